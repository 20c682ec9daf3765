package companion

import (
	"errors"
	"net"
)

// isNetErr is true for transport failures (refused, reset, DNS, timeout)
// that auth wraps without a fullscript.APIError.
func isNetErr(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &oe) || errors.As(err, &ne)
}
