//go:build linux

package notify

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/godbus/dbus/v5"
)

// testBus is a private dbus-daemon of the test's own, never the desktop's.
type testBus struct {
	addr string
	stop func() // kills the daemon and waits for it; safe to call twice
}

// startBus starts a private session bus and stops it when the test ends.
// It uses a config of its own rather than --session's: that one would
// activate any notification daemon installed on the machine (dunst, mako,
// xfce4-notifyd ship D-Bus service files), and the tests need to know who
// owns the name.
func startBus(t *testing.T) *testBus {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Fatal("the notify tests need dbus-daemon: install the dbus package (apt-get install dbus)")
	}
	// A short folder of its own: socket paths are limited to 108 bytes,
	// and a killed daemon leaves its socket behind.
	dir, err := os.MkdirTemp("", "notify-bus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	config := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(config, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=`+dir+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+config, "--nofork", "--print-address=1", "--nopidfile")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		t.Fatalf("dbus-daemon printed no address: %v; it said: %s", err, stderr.String())
	}
	return &testBus{addr: strings.TrimSpace(line), stop: stop}
}

// fakeServer stands in for a notification daemon: it records each Notify
// and answers with an id, or with fail when that is set.
type fakeServer struct {
	calls chan received
	fail  *dbus.Error
	hold  chan struct{} // when set, Notify waits until it is closed
}

// received is one Notify call as the server got it.
type received struct {
	appName    string
	replacesID uint32
	appIcon    string
	summary    string
	body       string
	actions    []string
	hints      map[string]dbus.Variant
	timeout    int32
}

// Notify is org.freedesktop.Notifications.Notify.
func (s *fakeServer) Notify(appName string, replacesID uint32, appIcon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s.calls <- received{appName, replacesID, appIcon, summary, body, actions, hints, timeout}
	if s.hold != nil {
		<-s.hold
	}
	if s.fail != nil {
		return 0, s.fail
	}
	return 1, nil
}

// serve puts s on the bus at addr as org.freedesktop.Notifications.
func serve(t *testing.T, addr string, s *fakeServer) *fakeServer {
	t.Helper()
	if s.calls == nil {
		s.calls = make(chan received, 64)
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect the fake notification server: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if err := conn.Export(s, servicePath, serviceName); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(serviceName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: reply %v, %v", serviceName, reply, err)
	}
	return s
}

// next is the next call the server got; the caller has already waited for
// Notify to return, so it is there or never will be.
func (s *fakeServer) next(t *testing.T) received {
	t.Helper()
	select {
	case c := <-s.calls:
		return c
	default:
		t.Fatal("the notification server got no Notify call")
		return received{}
	}
}

// notifierOn is a Freedesktop that connects to the bus at addr, closed when
// the test ends.
func notifierOn(t *testing.T, addr string) *Freedesktop {
	t.Helper()
	f := NewFreedesktop(func() (*dbus.Conn, error) { return dbus.Connect(addr) }, "Fullscript Companion", "org.fullscriptcompanion.Companion")
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// hangUpProxy relays one connection to a bus. Once armed, the next bytes
// the client sends make it hang up on both sides without passing them on:
// a bus dying mid-call, while the client still thinks it is connected.
type hangUpProxy struct {
	addr  string
	armed atomic.Bool
}

// startProxy starts a hangUpProxy in front of the unix socket of the bus at
// busAddr.
func startProxy(t *testing.T, busAddr string) *hangUpProxy {
	t.Helper()
	_, rest, ok := strings.Cut(busAddr, "path=")
	if !ok {
		t.Fatalf("no socket path in %q", busAddr)
	}
	busPath, _, _ := strings.Cut(rest, ",")
	dir, err := os.MkdirTemp("", "notify-proxy")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	p := &hangUpProxy{addr: "unix:path=" + sock}
	go func() {
		client, err := l.Accept()
		if err != nil {
			return
		}
		defer client.Close()
		bus, err := net.Dial("unix", busPath)
		if err != nil {
			return
		}
		defer bus.Close()
		go func() { _, _ = io.Copy(client, bus) }()
		buf := make([]byte, 64<<10)
		for {
			n, err := client.Read(buf)
			if err != nil || p.armed.Load() {
				return
			}
			if _, err := bus.Write(buf[:n]); err != nil {
				return
			}
		}
	}()
	return p
}
