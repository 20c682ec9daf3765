package companion

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"fullscript-companion/backend/store"
	"fullscript-companion/backend/vault"
)

// Where the vault's copies and set-aside files live, in the data folder.
const (
	BackupDirName   = "backups"
	SetAsideDirName = "set-aside"
	// keepBackups is how many backups are kept; the oldest goes first.
	keepBackups = 7
	// backupEvery: the window takes a backup at start when the newest is
	// older than this, and after each sign-in and sign-out.
	backupEvery = 24 * time.Hour
)

// CodeVaultBroken names a problem with the saved sign-ins themselves (a
// damaged or missing database, a lost key): the window offers a backup to
// restore and "Start over".
const CodeVaultBroken = "vault_broken"

func (s *Service) dbPath() string      { return filepath.Join(s.dataDir, DBFileName) }
func (s *Service) backupDir() string   { return filepath.Join(s.dataDir, BackupDirName) }
func (s *Service) setAsideDir() string { return filepath.Join(s.dataDir, SetAsideDirName) }

// openVaultLocked opens the data key and the database, once. The database
// is read first, without a key, for what it says about itself: the key
// that sealed it (never is a new key made over sealed data), and whether it
// is there at all when the key says it was created.
func (s *Service) openVaultLocked(ctx context.Context) error {
	if s.store != nil {
		return nil
	}
	// From what the file says about itself until it is open, nobody may
	// replace or set it aside (Restore and StartOver need the lock
	// exclusive): a start-over in another process must not slip between.
	release, err := store.LockShared(ctx, s.dbPath())
	if err != nil {
		return s.fileProblem(ctx, err)
	}
	defer release()
	file, err := store.Inspect(ctx, s.dbPath())
	if err != nil {
		return s.fileProblem(ctx, err)
	}
	vopts := vault.Options{Dir: s.dataDir, Keyring: s.keyring, NoKeyring: s.keyringOff, Logger: s.log.With("component", "vault"),
		SealedWith: file.KeyCheck, NoNewKey: file.Sealed}
	v, err := vault.Open(ctx, vopts)
	switch {
	case errors.Is(err, vault.ErrKeyUnavailable):
		return &Problem{
			What: "The OS keyring that holds the app's key is not answering.",
			Fix:  "Unlock your keyring (sign in to your desktop session), then try again.",
			Err:  err,
		}
	case errors.Is(err, vault.ErrKeyLost):
		return &Problem{
			What: "The key that protects your saved sign-ins is missing, so they cannot be read.",
			Fix: "Put the key back (the OS keyring entry, or " + filepath.Join(s.dataDir, "data.key") + " with vault.json) from a backup of this folder and try again. " +
				"Or start over: your accounts are set aside and you sign in again (fullscript-companion reset).",
			Code: CodeVaultBroken,
			Err:  err,
		}
	case err != nil:
		return &Problem{What: "The app cannot open its key.", Fix: "Try again. If it keeps happening, the details help support.", Err: err}
	}
	if s.afterKeyHook != nil {
		s.afterKeyHook() // tests: another process acts here
	}
	if !file.Exists && v.Database() != "" {
		return s.missingProblem(ctx)
	}
	// vault.json went with the database, but backups are here: not a first
	// run. An empty vault would open silently, and its own backups would
	// soon prune away the ones that hold the accounts.
	if !file.Exists && v.Database() == "" {
		if list, _ := store.Backups(ctx, s.backupDir()); len(list) > 0 {
			return s.missingProblem(ctx)
		}
	}
	st, err := store.Open(ctx, s.dbPath(), v, store.WithLogger(s.log))
	if err != nil {
		return s.fileProblem(ctx, err)
	}
	// Also when Inspect saw one: it refuses a file sealed with another key.
	if err := st.RecordKeyCheck(ctx, v.KeyCheck()); err != nil {
		st.Close()
		return &Problem{
			What: "The saved sign-ins were sealed with another key than this folder's.",
			Fix:  "Put the original key back, or start over (fullscript-companion reset).",
			Code: CodeVaultBroken,
			Err:  fmt.Errorf("%w: %w", vault.ErrKeyLost, err),
		}
	}
	if v.Database() == "" {
		if err := v.NoteDatabase(ctx, DBFileName, vopts); err != nil {
			st.Close()
			return &Problem{What: "The app cannot open its key.", Fix: "Try again. If it keeps happening, the details help support.", Err: err}
		}
	}
	s.vault, s.store = v, st
	if s.keepBackups {
		go s.backUpIfDue()
	}
	return nil
}

// fileProblem explains an error opening or reading the database: a file
// from a newer version asks for that version; a damaged one points to the
// newest backup; anything else is generic.
func (s *Service) fileProblem(ctx context.Context, err error) error {
	if errors.Is(err, store.ErrSchemaTooNew) {
		return &Problem{What: "Your saved sign-ins were written by a newer version of the app.", Fix: "Install the newer version again.", Err: err}
	}
	if !store.IsDamaged(err) {
		return &Problem{What: "The app cannot open its saved sign-ins.", Fix: "Try again. If it keeps happening, the details help support.", Err: err}
	}
	return &Problem{
		What: "The file that holds your saved sign-ins is damaged, so they cannot be read.",
		Fix:  s.restoreFix(ctx),
		Code: CodeVaultBroken,
		Err:  fmt.Errorf("%s: %w", s.dbPath(), err),
	}
}

// missingProblem: the key says a database was created, and it is gone or
// empty. Never silently replaced by an empty one.
func (s *Service) missingProblem(ctx context.Context) error {
	return &Problem{
		What: "Your saved sign-ins are missing: their file is gone or empty, though this folder's key shows it held them.",
		Fix:  s.restoreFix(ctx),
		Code: CodeVaultBroken,
		Err:  fmt.Errorf("the database %s is missing or empty; vault.json records it was created", s.dbPath()),
	}
}

func (s *Service) restoreFix(ctx context.Context) string {
	backups, _ := store.Backups(ctx, s.backupDir())
	if len(backups) == 0 {
		return "There is no backup to restore. Put the file back if you have a copy, or start over: the file is set aside and you sign in again (fullscript-companion reset)."
	}
	b := backups[0]
	return fmt.Sprintf("Restore the backup from %s (%d accounts; fullscript-companion restore), or start over and sign in again (fullscript-companion reset).",
		b.TakenAt.Local().Format("2 Jan 2006 15:04"), b.Accounts)
}

// Backups lists the vault's backups, newest first. It works while the vault
// itself cannot be opened: that is when it is needed.
func (s *Service) Backups(ctx context.Context) ([]store.Backup, error) {
	if err := s.dataDirReady(); err != nil {
		return nil, err
	}
	list, err := store.Backups(ctx, s.backupDir())
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	return list, nil
}

// BackUp takes a backup now.
func (s *Service) BackUp(ctx context.Context) (store.Backup, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return store.Backup{}, err
	}
	b, err := st.Backup(ctx, s.backupDir(), keepBackups)
	if err != nil {
		return store.Backup{}, s.fileProblem(ctx, err)
	}
	s.log.Info("backup taken", "path", b.Path, "accounts", b.Accounts)
	return b, nil
}

// backUpIfDue takes the window's daily backup, off the start path.
func (s *Service) backUpIfDue() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	list, err := store.Backups(ctx, s.backupDir())
	// A backup dated in the future (a wrong clock) is no recent backup.
	if age := time.Duration(-1); err == nil && len(list) > 0 && !list[0].Future {
		age = s.now().Sub(list[0].TakenAt)
		if age >= 0 && age < backupEvery {
			return
		}
	}
	s.backUpQuietly(ctx)
}

// backUpQuietly is a backup whose failure is logged, not shown: the next
// start or change tries again.
func (s *Service) backUpQuietly(ctx context.Context) {
	if !s.keepBackups {
		return
	}
	if _, err := s.BackUp(ctx); err != nil && !errors.Is(err, errShutDown) {
		s.log.Warn("backup failed", "err", err)
	}
}

// RestoreResult says what a restore did.
type RestoreResult struct {
	Backup   store.Backup `json:"backup"`
	SetAside string       `json:"setAside,omitempty"` // where the replaced database went
}

// Restore puts a backup (by name, or the newest for "" or "latest") in
// place of the database, which is set aside, not deleted, and opens it.
// The backup must be sealed with this folder's key. Another process with
// the vault open (another window, a command) makes it refuse.
func (s *Service) Restore(ctx context.Context, name string) (RestoreResult, error) {
	list, err := s.Backups(ctx)
	if err != nil {
		return RestoreResult{}, err
	}
	var b *store.Backup
	for i := range list {
		if name == "" || name == "latest" || list[i].Name == name {
			b = &list[i]
			break
		}
	}
	if b == nil {
		fix := "There is no backup yet."
		if len(list) > 0 {
			fix = "Name one of: " + list[0].Name + " (the newest; see fullscript-companion restore --list)."
		}
		return RestoreResult{}, &Problem{What: fmt.Sprintf("No backup is called %q.", name), Fix: fix, Err: fmt.Errorf("%w: backup %q not found", ErrUsage, name)}
	}
	info, err := store.Inspect(ctx, b.Path)
	if err != nil {
		return RestoreResult{}, fmt.Errorf("read the backup: %w", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return RestoreResult{}, errShutDown
	}
	// The key must open the backup: check before anything moves (Open
	// refuses any other key than the one the backup names).
	_, err = vault.Open(ctx, vault.Options{Dir: s.dataDir, Keyring: s.keyring, NoKeyring: s.keyringOff, Logger: s.log.With("component", "vault"),
		SealedWith: info.KeyCheck, NoNewKey: info.Sealed})
	switch {
	case errors.Is(err, vault.ErrKeyLost):
		return RestoreResult{}, &Problem{
			What: "This backup needs the key that sealed it, and that key is not here.",
			Fix:  "Put the key back first (see the message about the missing key), or start over.",
			Code: CodeVaultBroken, Err: err,
		}
	case errors.Is(err, vault.ErrKeyUnavailable):
		return RestoreResult{}, &Problem{What: "The OS keyring that holds the app's key is not answering.", Fix: "Unlock your keyring, then restore again.", Err: err}
	case err != nil:
		return RestoreResult{}, &Problem{What: "The app cannot open its key to check the backup.", Fix: "Try again. If it keeps happening, the details help support.", Err: err}
	}
	s.closeStoreLocked()
	aside, err := store.RestoreFile(ctx, b.Path, s.dbPath(), s.setAsideDir(), s.now())
	if errors.Is(err, store.ErrInUse) {
		s.startErr = s.prepareLocked(ctx) // reopen what was there
		return RestoreResult{}, &Problem{
			What: "Another Fullscript Companion is using the saved sign-ins, so they cannot be replaced now.",
			Fix:  "Close the other window and any running fullscript-companion command, then restore again.",
			Err:  err,
		}
	}
	if err != nil {
		s.startErr = s.prepareLocked(ctx)
		return RestoreResult{}, fmt.Errorf("restore %s: %w", b.Name, err)
	}
	s.log.Warn("vault restored from a backup", "backup", b.Path, "set_aside", aside)
	s.startErr = s.prepareLocked(ctx)
	if s.startErr != nil {
		return RestoreResult{Backup: *b, SetAside: aside}, s.startErr
	}
	return RestoreResult{Backup: *b, SetAside: aside}, nil
}

// StartOver sets the vault aside (the database, vault.json and the key
// file, moved into set-aside/, never deleted) and opens a new, empty one:
// for a key that is lost for good, or a damaged file with no backup. The
// accounts must be signed in again.
func (s *Service) StartOver(ctx context.Context) (string, error) {
	if err := s.dataDirReady(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errShutDown
	}
	s.closeStoreLocked()
	dest := filepath.Join(s.setAsideDir(), "start-over-"+s.now().UTC().Format("20060102T150405Z"))
	// The backups go too: they are sealed with the key being set aside.
	moved, err := store.SetAside(ctx, s.dbPath(), dest, []string{"vault.json", "data.key", BackupDirName})
	if err != nil {
		s.startErr = s.prepareLocked(ctx)
		if errors.Is(err, store.ErrInUse) {
			return "", &Problem{
				What: "Another Fullscript Companion is using the saved sign-ins, so they cannot be set aside now.",
				Fix:  "Close the other window and any running fullscript-companion command, then start over again.",
				Err:  err,
			}
		}
		return "", fmt.Errorf("start over: %w", err)
	}
	s.log.Warn("vault set aside; starting over", "set_aside", dest, "files", moved)
	s.startErr = s.prepareLocked(ctx)
	return dest, s.startErr
}

// closeStoreLocked closes the database so a restore can replace it.
func (s *Service) closeStoreLocked() {
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			s.log.Warn("close the vault", "err", err)
		}
		s.store, s.vault = nil, nil
	}
}

// dataDirReady resolves the data folder without opening the vault.
func (s *Service) dataDirReady() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dataDir != "" {
		return nil
	}
	dir, err := DataDir(s.platform)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no data folder yet at %s", dir)
	}
	s.dataDir = dir
	return nil
}
