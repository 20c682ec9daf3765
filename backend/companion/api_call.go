package companion

import (
	"context"

	"fullscript-companion/backend/fullscript"
)

// accountAPI is what a REST call on an account's behalf needs: the
// account, its environment's connection and a client for it.
type accountAPI struct {
	acct AccountInfo
	conn Connection
	api  *fullscript.Client
}

func (s *Service) accountAPI(ctx context.Context, accountID string) (accountAPI, error) {
	a, err := s.account(ctx, accountID)
	if err != nil {
		return accountAPI{}, err
	}
	conn, err := s.connection(ctx, a.Env, ConnectionOverrides{})
	if err != nil {
		return accountAPI{}, err
	}
	if err := s.checkAccountIssuer(ctx, a, conn); err != nil {
		return accountAPI{}, err
	}
	return accountAPI{acct: a, conn: conn, api: conn.api(s.http, s)}, nil
}

// withAccess runs call with the account's access token (refreshed first
// when it is about to expire). A 401 gets one refresh, unless another
// caller replaced the token meanwhile, and one retry. The call's error
// comes back as it is, for the caller to explain; a token error is
// already a Problem.
func withAccess[T any](ctx context.Context, s *Service, accountID string, call func(access string) (T, error)) (T, error) {
	var zero T
	access, err := s.AccessToken(ctx, accountID)
	if err != nil {
		return zero, err
	}
	v, err := call(access)
	if fullscript.IsUnauthorized(err) {
		if access, err = s.accessAfterUnauthorized(ctx, accountID, access); err != nil {
			return zero, err
		}
		v, err = call(access)
	}
	return v, err
}
