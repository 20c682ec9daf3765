//go:build package

// The package tests: what `make package` put in dist/ is what a clinic's IT
// person installs. `make package-test` builds the packages and runs them:
//
//	go test -tags package -run TestPackage -v .
//
// TestPackageInstallsInCleanDebian needs root (debootstrap, chroot, mount)
// and Debian's mirror; .ci/install-deps installs debootstrap.
package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	appID      = "org.fullscriptcompanion.Companion"
	desktopID  = appID + ".desktop"
	debianDist = "bookworm"
	mirror     = "http://deb.debian.org/debian"
	// The person who uses the app in the clean root: not root.
	practitioner = "practitioner"
	practUID     = "1001"
)

// distFile finds the one dist/ file matching pattern.
func distFile(t *testing.T, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("dist", pattern))
	if err != nil || len(m) != 1 {
		t.Fatalf("dist/%s: want one file, found %v (run make package)", pattern, m)
	}
	return m[0]
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestPackageArtifacts checks every artifact of `make package` as a user of
// it would: checksums, the packages' fields, files and scripts, the files'
// validity, and the Windows binaries' type.
func TestPackageArtifacts(t *testing.T) {
	t.Run("checksums", func(t *testing.T) {
		sums, err := os.ReadFile("dist/SHA256SUMS")
		if err != nil {
			t.Fatal(err)
		}
		for _, pattern := range []string{"*.deb", "*.rpm", "*-windows-amd64.exe", "*-windows-amd64-setup.exe"} {
			if !strings.Contains(string(sums), filepath.Base(distFile(t, pattern))) {
				t.Errorf("SHA256SUMS does not cover %s", pattern)
			}
		}
		cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
		cmd.Dir = "dist"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v\n%s", err, out)
		}
	})

	wantFiles := []string{
		"/usr/bin/fullscript-companion",
		"/usr/share/applications/" + desktopID,
		"/usr/share/metainfo/" + appID + ".metainfo.xml",
		"/usr/share/man/man1/fullscript-companion.1.gz",
		"/usr/share/doc/fullscript-companion/copyright",
		"/usr/share/icons/hicolor/scalable/apps/" + appID + ".svg",
	}
	iconSizes := []int{16, 24, 32, 48, 64, 128, 256, 512}
	for _, n := range iconSizes {
		wantFiles = append(wantFiles, fmt.Sprintf("/usr/share/icons/hicolor/%dx%d/apps/%s.png", n, n, appID))
	}

	t.Run("deb", func(t *testing.T) {
		deb := distFile(t, "*.deb")
		depends := run(t, "dpkg-deb", "-f", deb, "Depends")
		for _, want := range []string{"libgtk-3-0", "libwebkit2gtk-4.1-0"} {
			if !strings.Contains(depends, want) {
				t.Errorf("Depends %q lacks %s", depends, want)
			}
		}
		root := t.TempDir()
		run(t, "dpkg-deb", "-x", deb, root)
		for _, f := range wantFiles {
			if _, err := os.Stat(filepath.Join(root, f)); err != nil {
				t.Errorf("the .deb lacks %s", f)
			}
		}
		if out, err := exec.Command("desktop-file-validate", filepath.Join(root, "usr/share/applications", desktopID)).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("desktop-file-validate: %v\n%s", err, out)
		}
		desktop, _ := os.ReadFile(filepath.Join(root, "usr/share/applications", desktopID))
		for _, want := range []string{"\nExec=fullscript-companion %u\n", "\nMimeType=x-scheme-handler/fullscript-companion;\n", "\nIcon=" + appID + "\n"} {
			if !strings.Contains(string(desktop), want) {
				t.Errorf("the .desktop file lacks %q", strings.TrimSpace(want))
			}
		}
		if out, err := exec.Command("appstreamcli", "validate", "--no-net", filepath.Join(root, "usr/share/metainfo", appID+".metainfo.xml")).CombinedOutput(); err != nil {
			t.Errorf("appstreamcli validate: %v\n%s", err, out)
		}
		man := run(t, "sh", "-c", "zcat \"$0\" | groff -man -ww -z -Tutf8 2>&1; zcat \"$0\" | groff -man -Tutf8 -P-cbou 2>/dev/null", filepath.Join(root, "usr/share/man/man1/fullscript-companion.1.gz"))
		for _, want := range []string{"fullscript-companion://open", "--patient-email", "EXIT STATUS", "grant"} {
			if !strings.Contains(strings.ReplaceAll(man, "‐", "-"), want) {
				t.Errorf("the man page lacks %q", want)
			}
		}
		if strings.Contains(man, "warning") {
			t.Errorf("groff warns about the man page:\n%s", man)
		}
		for _, n := range iconSizes {
			f, err := os.Open(filepath.Join(root, fmt.Sprintf("usr/share/icons/hicolor/%dx%d/apps/%s.png", n, n, appID)))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := png.DecodeConfig(f)
			f.Close()
			if err != nil || cfg.Width != n || cfg.Height != n {
				t.Errorf("the %dx%d icon is %dx%d (%v)", n, n, cfg.Width, cfg.Height, err)
			}
		}
		version := run(t, filepath.Join(root, "usr/bin/fullscript-companion"), "version")
		if want := strings.TrimSpace(run(t, "dpkg-deb", "-f", deb, "Version")); !strings.Contains(version, strings.TrimSuffix(want, "-1")) {
			t.Errorf("the packaged binary says %q, the package is %s", version, want)
		}
		scripts := t.TempDir()
		run(t, "dpkg-deb", "-e", deb, scripts)
		for _, s := range []string{"postinst", "postrm"} {
			b, _ := os.ReadFile(filepath.Join(scripts, s))
			for _, want := range []string{"update-desktop-database", "update-mime-database"} {
				if !strings.Contains(string(b), want) {
					t.Errorf("%s does not run %s", s, want)
				}
			}
		}
	})

	t.Run("rpm", func(t *testing.T) {
		rpm := distFile(t, "*.rpm")
		requires := run(t, "rpm", "-qpR", rpm)
		for _, want := range []string{"gtk3", "webkit2gtk4.1"} {
			if !strings.Contains(requires, want) {
				t.Errorf("Requires %q lacks %s", requires, want)
			}
		}
		files := run(t, "rpm", "-qpl", rpm)
		for _, f := range wantFiles {
			if !strings.Contains(files, f+"\n") {
				t.Errorf("the .rpm lacks %s", f)
			}
		}
		// The package owns its files, never the shared folders around them.
		if strings.Contains(files, "/usr/share/icons/hicolor\n") || strings.Contains(files, "/usr/bin\n") {
			t.Errorf("the .rpm owns shared folders:\n%s", files)
		}
		scripts := run(t, "rpm", "-qp", "--scripts", rpm)
		if !strings.Contains(scripts, "update-desktop-database") {
			t.Errorf("the .rpm's scripts do not refresh the desktop database:\n%s", scripts)
		}
	})

	t.Run("windows", func(t *testing.T) {
		for _, tt := range []struct {
			pattern string
			machine uint16
		}{
			{"*-windows-amd64.exe", pe.IMAGE_FILE_MACHINE_AMD64},
			// NSIS installers are 32-bit stubs that install the 64-bit app.
			{"*-windows-amd64-setup.exe", pe.IMAGE_FILE_MACHINE_I386},
		} {
			path := distFile(t, tt.pattern)
			f, err := pe.Open(path)
			if err != nil {
				t.Fatalf("%s is not a PE file: %v", path, err)
			}
			var subsystem uint16
			switch h := f.OptionalHeader.(type) {
			case *pe.OptionalHeader64:
				subsystem = h.Subsystem
			case *pe.OptionalHeader32:
				subsystem = h.Subsystem
			}
			if f.Machine != tt.machine || subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
				t.Errorf("%s: machine %#x, subsystem %d; want machine %#x, a GUI binary (%d)", path, f.Machine, subsystem, tt.machine, pe.IMAGE_SUBSYSTEM_WINDOWS_GUI)
			}
			if _, ok := f.OptionalHeader.(*pe.OptionalHeader64); tt.machine == pe.IMAGE_FILE_MACHINE_AMD64 && !ok {
				t.Errorf("%s is not PE32+", path)
			}
			f.Close()
		}
		setup, err := os.ReadFile(distFile(t, "*-windows-amd64-setup.exe"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(setup, []byte("Nullsoft")) {
			t.Error("the setup .exe is not an NSIS installer")
		}
		nsi, err := os.ReadFile("build/windows/installer/project.nsi")
		if err != nil {
			t.Fatal(err)
		}
		// Registered, with the program's path quoted (it is under "Program Files").
		if !strings.Contains(string(nsi), `CUSTOM_PROTOCOL_ASSOCIATE "fullscript-companion"`) ||
			!strings.Contains(string(nsi), `"$\"$INSTDIR\${PRODUCT_EXECUTABLE}$\" $\"%1$\""`) {
			t.Error("the installer does not register fullscript-companion:// with a quoted command")
		}
	})
}

// TestPackageInstallsInCleanDebian installs the .deb with apt into a Debian
// 12 root made here by debootstrap, signs in with the installed CLI, starts
// the installed window under Xvfb, opens a fullscript-companion:// link with
// xdg-open and sees the running window take it (the plan is mounted, no
// second window), then purges the package: the data folder stays, and a
// reinstall finds the account again.
func TestPackageInstallsInCleanDebian(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test makes a Debian root with debootstrap and chroot: run it as root (sudo make package-test)")
	}
	deb, err := filepath.Abs(distFile(t, "*.deb"))
	if err != nil {
		t.Fatal(err)
	}
	artifacts := filepath.Join("build", "smoke")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	root := debianRoot(t)
	in := func(args ...string) string { return chroot(t, root, args...) }

	// Install with the system's package manager, as IT would.
	if err := copyFile(deb, filepath.Join(root, "tmp", filepath.Base(deb))); err != nil {
		t.Fatal(err)
	}
	in("apt-get", "update", "-qq")
	// desktop-file-utils is on every desktop; xdg-utils and dbus-daemon are
	// what the test drives the link with.
	in("apt-get", "install", "-y", "-qq", "--no-install-recommends", "/tmp/"+filepath.Base(deb), "desktop-file-utils", "xdg-utils", "dbus-daemon")
	if got := in("dpkg-query", "-W", "-f=${Status}", "fullscript-companion"); got != "install ok installed" {
		t.Fatalf("dpkg says %q", got)
	}
	// The postinst refreshed the desktop database: the scheme has a handler.
	if got := strings.TrimSpace(in("xdg-mime", "query", "default", "x-scheme-handler/fullscript-companion")); got != desktopID {
		t.Fatalf("xdg-mime: the handler of fullscript-companion:// is %q, want %s", got, desktopID)
	}
	// The package's own script does that refresh (Debian's desktop-file-utils
	// trigger would too, so run the installed postinst alone on a desktop
	// database that lost it).
	cache := filepath.Join(root, "usr/share/applications/mimeinfo.cache")
	if err := os.Remove(cache); err != nil {
		t.Fatalf("no desktop database after install: %v", err)
	}
	in("sh", "/var/lib/dpkg/info/fullscript-companion.postinst", "configure")
	if b, err := os.ReadFile(cache); err != nil || !strings.Contains(string(b), "x-scheme-handler/fullscript-companion="+desktopID) {
		t.Fatalf("the postinst did not register the link handler in the desktop database: %v\n%s", err, b)
	}
	in("useradd", "--create-home", "--uid", practUID, "--shell", "/bin/sh", practitioner)
	home := "/home/" + practitioner
	dataDir := home + "/.config/fullscript-companion"

	// Sign in with the installed CLI, against a sandbox whose state the
	// window's built-in sandbox then reads.
	userEnv := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "FSC_KEYRING=off", "XDG_RUNTIME_DIR=/tmp/runtime-" + practitioner}
	in("install", "-d", "-m", "0700", "-o", practitioner, "/tmp/runtime-"+practitioner)
	cli := func(args ...string) *exec.Cmd {
		return exec.Command("chroot", append([]string{"--userspec=" + practUID + ":" + practUID, root, "env", "-i"},
			append(append([]string{}, userEnv...), append([]string{"/usr/bin/fullscript-companion"}, args...)...)...)...)
	}
	patientID := signInWithCLI(t, cli, dataDir+"/sandbox/state.json")

	// A session bus inside the root (the single-instance handover uses it)
	// and the host's Xvfb, its socket shown in the root.
	display := startXvfb(t)
	bindMount(t, "/tmp/.X11-unix", filepath.Join(root, "tmp", ".X11-unix"))
	busEnv := startBus(t, exec.Command("chroot", "--userspec="+practUID+":"+practUID, root, "env", "-i", "HOME="+home,
		"dbus-daemon", "--session", "--nofork", "--print-address=1"))
	userEnv = append(userEnv, "DISPLAY="+display, "GDK_BACKEND=x11", "NO_AT_BRIDGE=1", busEnv)

	window := &desktopRun{t: t, dirs: map[string]string{}, log: &lockedBuffer{}, ready: make(chan []string, 1), done: make(chan struct{})}
	window.start(cli(), filepath.Join(artifacts, "package-window.log"))
	if _, view := window.waitReady(); view != "accounts" {
		t.Fatalf("the installed window's first view is %q, want the accounts", view)
	}

	// The link, as an EHR's page or a script hands it to the desktop.
	link := "fullscript-companion://open?" + url.Values{
		"account":    {"Riverside Wellness Clinic"},
		"patient_id": {patientID},
		"feature":    {"treatment-plan"},
	}.Encode()
	opened := make(chan []byte, 1)
	xdg := exec.Command("chroot", append([]string{"--userspec=" + practUID + ":" + practUID, root, "env", "-i"}, append(append([]string{}, userEnv...), "xdg-open", link)...)...)
	go func() {
		out, _ := xdg.CombinedOutput()
		opened <- out
	}()
	select {
	case out := <-opened:
		if !xdg.ProcessState.Success() {
			t.Fatalf("xdg-open %s: %v\n%s", link, xdg.ProcessState, out)
		}
		if strings.Contains(string(out), "frontend ready") {
			t.Fatalf("the link opened a second window:\n%s", out)
		}
	case <-time.After(60 * time.Second):
		_ = xdg.Process.Kill()
		t.Fatal("xdg-open did not return: the link's launch did not hand over to the running window")
	}
	waitClaimedGrants(t, window, 1)
	if n := strings.Count(window.log.String(), `msg="frontend ready"`); n != 1 {
		t.Errorf("the window loaded %d times, want once", n)
	}
	time.Sleep(1500 * time.Millisecond) // let the plan paint
	screenshotWindow(t, display, filepath.Join(artifacts, "package-link-handover.png"))
	if log := window.stop(); strings.Contains(log, "level=ERROR") {
		t.Errorf("the installed app logged errors:\n%s", log)
	}

	// Remove it, configuration and all: the practitioner's data stays.
	in("apt-get", "purge", "-y", "-qq", "fullscript-companion")
	if _, err := os.Stat(filepath.Join(root, "usr/bin/fullscript-companion")); !os.IsNotExist(err) {
		t.Errorf("after purge /usr/bin/fullscript-companion: %v", err)
	}
	if got := strings.TrimSpace(in("sh", "-c", "xdg-mime query default x-scheme-handler/fullscript-companion || true")); got != "" {
		t.Errorf("after purge the scheme's handler is still %q", got)
	}
	for _, f := range []string{"companion.db", "vault.json"} {
		if _, err := os.Stat(filepath.Join(root, dataDir, f)); err != nil {
			t.Errorf("after purge the data folder lost %s: %v", f, err)
		}
	}
	// Installed again, it finds the account it had.
	in("apt-get", "install", "-y", "-qq", "--no-install-recommends", "/tmp/"+filepath.Base(deb))
	out, err := cli("accounts", "--json").CombinedOutput()
	if err != nil {
		t.Fatalf("accounts after reinstall: %v\n%s", err, out)
	}
	var accounts struct {
		Accounts []struct {
			ClinicName string `json:"clinic_name"`
			Status     string `json:"status"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal(out, &accounts); err != nil || len(accounts.Accounts) != 1 || accounts.Accounts[0].ClinicName != "Riverside Wellness Clinic" {
		t.Errorf("after purge and reinstall, accounts = %s (%v)", out, err)
	}

	// A downgrade: the data was written by a newer version (its schema
	// version, in the SQLite header, is past what this build knows). The
	// installed app refuses it in words and leaves the file as it was.
	db := filepath.Join(root, dataDir, "companion.db")
	b, err := os.ReadFile(db)
	if err != nil || len(b) < 100 {
		t.Fatalf("read %s: %v", db, err)
	}
	binary.BigEndian.PutUint32(b[60:64], 999)
	if err := os.WriteFile(db, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = cli("accounts").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "written by a newer version of the app") || !strings.Contains(string(out), "Install the newer version again") {
		t.Errorf("accounts on a newer vault: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(after, b) {
		t.Error("the refused vault was changed")
	}
}

// debianRoot makes a minimal Debian 12 root with debootstrap, with /proc,
// a read-only /sys and a private /dev/shm mounted; the test's end unmounts
// them and removes the root without crossing into any mount.
func debianRoot(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("debootstrap"); err != nil {
		t.Fatal("debootstrap is needed (make deps installs it)")
	}
	parent, err := os.MkdirTemp("", "fsc-debian-")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(parent, "root")
	t.Cleanup(func() {
		// Whatever is still mounted under root stays, with the root: never
		// delete through a mount.
		mounts, _ := os.ReadFile("/proc/mounts")
		if strings.Contains(string(mounts), " "+root+"/") {
			t.Errorf("mounts left under %s; not removing it:\n%s", root, mounts)
			return
		}
		if out, err := exec.Command("rm", "-rf", "--one-file-system", parent).CombinedOutput(); err != nil {
			t.Errorf("remove %s: %v\n%s", parent, err, out)
		}
	})
	started := time.Now()
	if out, err := exec.Command("debootstrap", "--variant=minbase", debianDist, root, mirror).CombinedOutput(); err != nil {
		t.Fatalf("debootstrap: %v\n%s", err, tail(out, 3000))
	}
	t.Logf("debootstrap %s: %v", debianDist, time.Since(started).Round(time.Second))
	mount(t, root, "proc", "proc", "proc", "nosuid,nodev,noexec")
	mount(t, root, "sys", "sysfs", "sysfs", "ro,nosuid,nodev,noexec")
	mount(t, root, "dev/shm", "tmpfs", "tmpfs", "nosuid,nodev,mode=1777")
	// apt's and the app's name lookups: the host's resolver.
	if err := copyFile("/etc/resolv.conf", filepath.Join(root, "etc/resolv.conf")); err != nil {
		t.Fatal(err)
	}
	return root
}

func mount(t *testing.T, root, at, fstype, source, options string) {
	t.Helper()
	target := filepath.Join(root, at)
	if out, err := exec.Command("mount", "-t", fstype, "-o", options, source, target).CombinedOutput(); err != nil {
		t.Fatalf("mount %s on %s: %v\n%s", fstype, target, err, out)
	}
	t.Cleanup(func() { unmount(t, target) })
}

func bindMount(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o1777); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "--bind", from, to).CombinedOutput(); err != nil {
		t.Fatalf("mount --bind %s %s: %v\n%s", from, to, err, out)
	}
	t.Cleanup(func() { unmount(t, to) })
}

// unmount waits out processes of the root still holding a mount (a lazy
// unmount is the last resort: it detaches at once).
func unmount(t *testing.T, target string) {
	for i := 0; i < 20; i++ {
		if err := syscall.Unmount(target, 0); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := syscall.Unmount(target, syscall.MNT_DETACH); err != nil {
		t.Errorf("unmount %s: %v", target, err)
	}
}

// chroot runs a command in root as root and returns its output.
func chroot(t *testing.T, root string, args ...string) string {
	t.Helper()
	full := []string{root, "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive", "LANG=C.UTF-8", "HOME=/root"}
	out, err := exec.Command("chroot", append(full, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("in the Debian root: %s: %v\n%s", strings.Join(args, " "), err, tail(out, 4000))
	}
	return string(out)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// tail keeps the end of a long output, where the error is.
func tail(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return "…" + string(b[len(b)-n:])
}
