package companion

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"fullscript-companion/backend/store"
)

// RefreshMargin: an access token this close to expiring is refreshed
// before use, and the account shows as expiring.
const RefreshMargin = 5 * time.Minute

// Token statuses, as `accounts` prints them.
const (
	StatusValid       = "valid"
	StatusExpiring    = "expiring"
	StatusExpired     = "expired" // the access token ran out; the next use refreshes it
	StatusNeedsSignIn = "needs_sign_in"
	// StatusUnreadable: tokens are stored but cannot be unsealed (another
	// key sealed them, or they are damaged); sign-out removes the account.
	StatusUnreadable = "unreadable"
)

// unreadableReason is the status reason of an unreadable account.
const unreadableReason = "Its saved sign-in cannot be read (sealed with another key, or damaged). Sign out of it, then sign in again."

// AccountInfo is one account as the CLI and the window list it. It never
// holds a token.
type AccountInfo struct {
	ID              string     `json:"id"`
	Env             string     `json:"env"`
	ClinicID        string     `json:"clinic_id"`
	ClinicName      string     `json:"clinic_name"`
	UserID          string     `json:"user_id"`
	UserType        string     `json:"user_type"`
	UserName        string     `json:"user_name"`
	Label           string     `json:"label"`
	Default         bool       `json:"default"`
	Status          string     `json:"status"`
	StatusReason    string     `json:"status_reason,omitempty"`
	AccessExpiresAt *time.Time `json:"access_expires_at"`
	LastRefreshedAt *time.Time `json:"last_refreshed_at"`
}

// Name is how messages name the account: its label, else person at clinic.
func (a AccountInfo) Name() string {
	who := a.UserName
	if who == "" {
		who = a.UserType
	}
	name := who + " at " + a.ClinicName
	if a.Label != "" {
		name = a.Label + " (" + name + ")"
	}
	return name
}

// AccountsReport is everything `accounts` shows; it needs no network.
type AccountsReport struct {
	KeyStorage      string        `json:"key_storage"`
	KeyStorageNote  string        `json:"key_storage_note,omitempty"`
	DataDir         string        `json:"data_dir"`
	Accounts        []AccountInfo `json:"accounts"`
	PendingSignOuts int           `json:"pending_sign_outs"`
}

func (s *Service) accountInfo(v store.AccountView) AccountInfo {
	a := AccountInfo{
		ID: v.ID, Env: v.Environment, ClinicID: v.ClinicID, ClinicName: v.ClinicName,
		UserID: v.UserID, UserType: v.UserType, UserName: v.UserName, Label: v.Label, Default: v.IsDefault,
		StatusReason: v.StatusReason, LastRefreshedAt: v.Token.LastRefreshedAt,
	}
	if v.Token.Present {
		exp := v.Token.AccessExpiresAt
		a.AccessExpiresAt = &exp
	}
	now := s.now()
	switch {
	case v.Status == store.StatusNeedsSignIn || !v.Token.Present:
		a.Status = StatusNeedsSignIn
	case !now.Before(v.Token.AccessExpiresAt):
		a.Status = StatusExpired
	case !now.Add(refreshMargin(v.Token.IssuedAt, v.Token.AccessExpiresAt)).Before(v.Token.AccessExpiresAt):
		a.Status = StatusExpiring
	default:
		a.Status = StatusValid
	}
	return a
}

// Accounts lists every account and where the data key lives. Offline.
func (s *Service) Accounts(ctx context.Context) (AccountsReport, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return AccountsReport{}, err
	}
	views, err := st.Accounts(ctx)
	if err != nil {
		return AccountsReport{}, fmt.Errorf("list accounts: %w", err)
	}
	pending, err := st.CountPendingRevocations(ctx)
	if err != nil {
		return AccountsReport{}, fmt.Errorf("list pending sign-outs: %w", err)
	}
	unreadable, err := s.unreadableTokens(ctx, st, views)
	if err != nil {
		return AccountsReport{}, fmt.Errorf("list accounts: %w", err)
	}
	storage, note, dir, err := s.keyStorage()
	if err != nil {
		return AccountsReport{}, err
	}
	r := AccountsReport{KeyStorage: storage, KeyStorageNote: note, DataDir: dir, Accounts: []AccountInfo{}, PendingSignOuts: pending}
	for _, v := range views {
		a := s.accountInfo(v)
		if unreadable[v.ID] {
			a.Status, a.StatusReason = StatusUnreadable, unreadableReason
		}
		r.Accounts = append(r.Accounts, a)
	}
	return r, nil
}

// unreadableTokens says which accounts' tokens cannot be unsealed, so the
// list shows what can really be used. A pair is checked once per
// generation: a refresh or a sign-in writes a new one, so a listing after
// the first unseals nothing.
func (s *Service) unreadableTokens(ctx context.Context, st *store.Store, views []store.AccountView) (map[string]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.checkedTokens == nil {
		s.checkedTokens = map[string]tokenCheck{}
	}
	stale := false
	for _, v := range views {
		if c, ok := s.checkedTokens[v.ID]; v.Token.Present && (!ok || c.generation != v.Token.Generation) {
			stale = true
			break
		}
	}
	if stale {
		bad, err := st.UnreadableTokens(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range views {
			if v.Token.Present {
				s.checkedTokens[v.ID] = tokenCheck{generation: v.Token.Generation, unreadable: bad[v.ID]}
			}
		}
	}
	out := map[string]bool{}
	for _, v := range views {
		if c, ok := s.checkedTokens[v.ID]; ok && v.Token.Present && c.unreadable {
			out[v.ID] = true
		}
	}
	return out, nil
}

// tokenCheck is what unreadableTokens found for one generation of a pair.
type tokenCheck struct {
	generation int64
	unreadable bool
}

// FindAccount resolves what a person typed: an id, a label, or a clinic
// name (case-insensitive; a unique prefix of an id works too).
func (s *Service) FindAccount(ctx context.Context, ref string) (AccountInfo, error) {
	ref = strings.TrimSpace(ref)
	r, err := s.Accounts(ctx)
	if err != nil {
		return AccountInfo{}, err
	}
	if ref == "" {
		return AccountInfo{}, &Problem{What: "No account was named.", Fix: "Name one by its id, its label or its clinic (see `fullscript-companion accounts`).", Err: ErrNoAccount}
	}
	matchers := []func(AccountInfo) bool{
		func(a AccountInfo) bool { return a.ID == ref },
		func(a AccountInfo) bool { return a.Label != "" && strings.EqualFold(a.Label, ref) },
		func(a AccountInfo) bool { return strings.EqualFold(a.ClinicName, ref) },
		func(a AccountInfo) bool { return len(ref) >= 4 && strings.HasPrefix(a.ID, ref) },
	}
	for _, match := range matchers {
		var hits []AccountInfo
		for _, a := range r.Accounts {
			if match(a) {
				hits = append(hits, a)
			}
		}
		switch len(hits) {
		case 0:
			continue
		case 1:
			return hits[0], nil
		default:
			var names []string
			for _, h := range hits {
				names = append(names, h.ID+" ("+h.Name()+")")
			}
			sort.Strings(names)
			return AccountInfo{}, &Problem{
				What: fmt.Sprintf("%q matches %d accounts: %s.", ref, len(hits), strings.Join(names, "; ")),
				Fix:  "Name the account by its id, or give each a label.",
				Err:  ErrAmbiguousAccount,
			}
		}
	}
	return AccountInfo{}, &Problem{
		What: fmt.Sprintf("No account matches %q.", ref),
		Fix:  "See the accounts with `fullscript-companion accounts`, or sign in with `fullscript-companion login`.",
		Err:  ErrNoAccount,
	}
}

// RenameAccount sets an account's label ("" removes it).
func (s *Service) RenameAccount(ctx context.Context, accountID, label string) (AccountInfo, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return AccountInfo{}, err
	}
	if err := st.Rename(ctx, accountID, label); err != nil {
		if errors.Is(err, store.ErrLabelTooLong) {
			return AccountInfo{}, &Problem{What: "That name is too long.", Fix: fmt.Sprintf("Use at most %d characters.", store.MaxLabelLen), Err: fmt.Errorf("%w: %w", ErrUsage, err)}
		}
		return AccountInfo{}, s.accountErr(err, "rename account")
	}
	return s.account(ctx, accountID)
}

// SetDefaultAccount makes an account the one the app opens on.
func (s *Service) SetDefaultAccount(ctx context.Context, accountID string) (AccountInfo, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return AccountInfo{}, err
	}
	if err := st.SetDefault(ctx, accountID); err != nil {
		return AccountInfo{}, s.accountErr(err, "set default account")
	}
	return s.account(ctx, accountID)
}

func (s *Service) account(ctx context.Context, id string) (AccountInfo, error) {
	st, err := s.ready(ctx)
	if err != nil {
		return AccountInfo{}, err
	}
	v, err := st.Account(ctx, id)
	if err != nil {
		return AccountInfo{}, s.accountErr(err, "read account")
	}
	return s.accountInfo(v), nil
}

// accountErr turns the store's not-found into ErrNoAccount.
func (s *Service) accountErr(err error, doing string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &Problem{What: "That account is not on this computer any more.", Fix: "Refresh the list of accounts.", Err: fmt.Errorf("%s: %w: %w", doing, ErrNoAccount, err)}
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// keyStorage reads where the data key lives. A Restore or a start-over in
// progress has closed the vault: say so rather than read a nil one.
func (s *Service) keyStorage() (storage, note, dataDir string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vault == nil {
		return "", "", s.dataDir, errVaultReopening
	}
	return string(s.vault.Storage()), s.vault.Note(), s.dataDir, nil
}

// errVaultReopening answers a call that arrives while a restore or a
// start-over has the vault closed.
var errVaultReopening = &Problem{What: "The saved sign-ins are being replaced.", Fix: "Try again in a moment."}
