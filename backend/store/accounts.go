package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Account statuses.
const (
	// StatusActive means the account has tokens that were good when last used.
	StatusActive = "active"
	// StatusNeedsSignIn means the refresh token was refused: the account and
	// its history are kept, its tokens are gone, and the user must sign in.
	StatusNeedsSignIn = "needs_sign_in"
)

// MaxLabelLen is the longest label Rename accepts, in characters.
const MaxLabelLen = 60

// ErrLabelTooLong reports a label over MaxLabelLen characters.
var ErrLabelTooLong = fmt.Errorf("label is longer than %d characters", MaxLabelLen)

// Account is one signed-in person at one clinic in one environment; the
// triple (Environment, ClinicID, UserID) identifies it, ID names it locally.
type Account struct {
	ID           string
	Environment  string
	ClinicID     string
	ClinicName   string
	UserID       string
	UserType     string // "Practitioner" or "Staff"
	UserName     string
	Label        string // the user's own name for the account; "" means none
	IsDefault    bool
	Status       string // StatusActive or StatusNeedsSignIn
	StatusReason string // why it needs sign-in, human text
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TokenInfo describes an account's tokens without the tokens, so accounts
// can be listed (offline, in the UI) without unsealing anything.
type TokenInfo struct {
	AccessExpiresAt time.Time
	IssuedAt        time.Time
	LastRefreshedAt *time.Time // nil until the first refresh after sign-in
	Generation      int64
	Present         bool // false after MarkNeedsSignIn
}

// AccountView is an account with what is known about its tokens.
type AccountView struct {
	Account
	Token TokenInfo
}

const viewSelect = `SELECT a.id, a.environment, a.clinic_id, a.clinic_name, a.user_id, a.user_type,
	a.user_name, a.label, a.is_default, a.status, a.status_reason, a.created_at, a.updated_at,
	t.access_expires_at, t.issued_at, t.last_refreshed_at, t.generation
FROM accounts a LEFT JOIN tokens t ON t.account_id = a.id`

// accountOrder is the listing order, also used to pick the next default.
const accountOrder = ` ORDER BY a.clinic_name COLLATE NOCASE, a.user_name COLLATE NOCASE, a.id`

func scanView(r rowScanner) (AccountView, error) {
	var (
		v                          AccountView
		created, updated           string
		expires, issued, refreshed sql.NullString
		generation                 sql.NullInt64
	)
	err := r.Scan(&v.ID, &v.Environment, &v.ClinicID, &v.ClinicName, &v.UserID, &v.UserType,
		&v.UserName, &v.Label, &v.IsDefault, &v.Status, &v.StatusReason, &created, &updated,
		&expires, &issued, &refreshed, &generation)
	if err != nil {
		return AccountView{}, err
	}
	if v.CreatedAt, err = parseTime(created); err != nil {
		return AccountView{}, err
	}
	if v.UpdatedAt, err = parseTime(updated); err != nil {
		return AccountView{}, err
	}
	if !generation.Valid {
		return v, nil // no tokens row
	}
	v.Token.Present = true
	v.Token.Generation = generation.Int64
	if v.Token.AccessExpiresAt, err = parseTime(expires.String); err != nil {
		return AccountView{}, err
	}
	if v.Token.IssuedAt, err = parseTime(issued.String); err != nil {
		return AccountView{}, err
	}
	if v.Token.LastRefreshedAt, err = parseNullTime(refreshed); err != nil {
		return AccountView{}, err
	}
	return v, nil
}

// Accounts lists every account with its token status, ordered by clinic
// name then user name (as accountOrder: ASCII case folded, then id). It
// reads no secret. The two tables are read in one snapshot, each in one
// pass, and joined and sorted here: for thousands of accounts that is
// about half the time of SQLite's join and sort through the driver.
func (s *Store) Accounts(ctx context.Context) (out []AccountView, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", damaged(err))
	}
	defer conn.Close()
	// A read transaction (BEGIN, not the pool's BEGIN IMMEDIATE): one
	// snapshot for both reads, without taking the write lock.
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return nil, fmt.Errorf("list accounts: %w", damaged(err))
	}
	defer func() {
		if _, cerr := conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); cerr != nil && err == nil {
			err = fmt.Errorf("list accounts: %w", cerr)
		}
	}()
	if out, err = listAccounts(ctx, conn); err != nil {
		return nil, fmt.Errorf("list accounts: %w", damaged(err))
	}
	return out, nil
}

func listAccounts(ctx context.Context, conn *sql.Conn) ([]AccountView, error) {
	rows, err := conn.QueryContext(ctx, `SELECT id, environment, clinic_id, clinic_name, user_id, user_type,
		user_name, label, is_default, status, status_reason, created_at, updated_at FROM accounts`)
	if err != nil {
		return nil, err
	}
	var out []AccountView
	byID := map[string]int{}
	for rows.Next() {
		var (
			v                AccountView
			created, updated string
		)
		if err := rows.Scan(&v.ID, &v.Environment, &v.ClinicID, &v.ClinicName, &v.UserID, &v.UserType,
			&v.UserName, &v.Label, &v.IsDefault, &v.Status, &v.StatusReason, &created, &updated); err != nil {
			rows.Close()
			return nil, err
		}
		if v.CreatedAt, err = parseTime(created); err == nil {
			v.UpdatedAt, err = parseTime(updated)
		}
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[v.ID] = len(out)
		out = append(out, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	rows, err = conn.QueryContext(ctx, `SELECT account_id, access_expires_at, issued_at, last_refreshed_at, generation FROM tokens`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, expires, issued string
			refreshed           sql.NullString
			ti                  TokenInfo
		)
		if err := rows.Scan(&id, &expires, &issued, &refreshed, &ti.Generation); err != nil {
			return nil, err
		}
		i, ok := byID[id]
		if !ok {
			continue
		}
		if ti.AccessExpiresAt, err = parseTime(expires); err != nil {
			return nil, err
		}
		if ti.IssuedAt, err = parseTime(issued); err != nil {
			return nil, err
		}
		if ti.LastRefreshedAt, err = parseNullTime(refreshed); err != nil {
			return nil, err
		}
		ti.Present = true
		out[i].Token = ti
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b AccountView) int {
		if c := compareNoCase(a.ClinicName, b.ClinicName); c != 0 {
			return c
		}
		if c := compareNoCase(a.UserName, b.UserName); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// compareNoCase orders as SQLite's COLLATE NOCASE: ASCII letters folded,
// every other byte as it is.
func compareNoCase(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

// Account returns one account with its token status, or ErrNotFound.
func (s *Store) Account(ctx context.Context, id string) (AccountView, error) {
	v, err := getView(ctx, s.db, id)
	if err != nil {
		return AccountView{}, fmt.Errorf("get account %s: %w", id, err)
	}
	return v, nil
}

func getView(ctx context.Context, q queryer, id string) (AccountView, error) {
	v, err := scanView(q.QueryRowContext(ctx, viewSelect+` WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return AccountView{}, ErrNotFound
	}
	return v, err
}

func getAccount(ctx context.Context, q queryer, id string) (Account, error) {
	v, err := getView(ctx, q, id)
	return v.Account, err
}

// cleanLabel trims a label and checks its length.
func cleanLabel(label string) (string, error) {
	label = strings.TrimSpace(label)
	if utf8.RuneCountInString(label) > MaxLabelLen {
		return "", ErrLabelTooLong
	}
	return label, nil
}

// SaveSignIn stores a completed sign-in in one transaction: it inserts the
// account, or, when (Environment, ClinicID, UserID) is already stored,
// refreshes its clinic name, user name and user type and sets it back to
// active (keeping its ID and label); it stores the tokens (bumping the
// generation), writes a 'signed_in' audit entry, and makes the account the
// default when there is none (the first account). a.ID, a.IsDefault, a.Status
// and the times are ignored; a.Label is used for a new account only. It
// returns the account as stored.
func (s *Store) SaveSignIn(ctx context.Context, a Account, t Tokens) (Account, error) {
	if a.Environment == "" || a.ClinicID == "" || a.UserID == "" {
		return Account{}, errors.New("save sign-in: environment, clinic id and user id are required")
	}
	if t.AccessToken == "" {
		return Account{}, errors.New("save sign-in: no access token")
	}
	label, err := cleanLabel(a.Label)
	if err != nil {
		return Account{}, fmt.Errorf("save sign-in: %w", err)
	}
	now := s.now()
	var out Account
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE environment = ? AND clinic_id = ? AND user_id = ?`,
			a.Environment, a.ClinicID, a.UserID).Scan(&id)
		detail := "signed in again"
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if id, err = newID(); err != nil {
				return err
			}
			detail = "new account"
			_, err = tx.ExecContext(ctx, `INSERT INTO accounts (id, environment, clinic_id, clinic_name, user_id,
				user_type, user_name, label, is_default, status, status_reason, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '', ?, ?)`,
				id, a.Environment, a.ClinicID, a.ClinicName, a.UserID, a.UserType, a.UserName, label,
				StatusActive, formatTime(now), formatTime(now))
			if err != nil {
				return fmt.Errorf("insert account: %w", err)
			}
		case err != nil:
			return fmt.Errorf("find account: %w", err)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE accounts SET clinic_name = ?, user_name = ?, user_type = ?,
				status = ?, status_reason = '', updated_at = ? WHERE id = ?`,
				a.ClinicName, a.UserName, a.UserType, StatusActive, formatTime(now), id)
			if err != nil {
				return fmt.Errorf("update account: %w", err)
			}
		}
		if err := s.putSignInTokens(ctx, tx, id, t); err != nil {
			return err
		}
		if out, err = getAccount(ctx, tx, id); err != nil {
			return fmt.Errorf("read account back: %w", err)
		}
		if err := writeAudit(ctx, tx, now, out, EventSignedIn, detail); err != nil {
			return err
		}
		if err := rememberPerson(ctx, tx, out); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET is_default = 1
			WHERE id = ? AND NOT EXISTS (SELECT 1 FROM accounts WHERE is_default = 1)`, id)
		if err != nil {
			return fmt.Errorf("set default: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("set default: %w", err)
		}
		if n > 0 {
			out.IsDefault = true
			return writeAudit(ctx, tx, now, out, EventDefaultSet, "no other default")
		}
		return nil
	})
	if err != nil {
		return Account{}, fmt.Errorf("save sign-in: %w", err)
	}
	return out, nil
}

// Rename sets an account's label, trimmed; "" removes it. A label over
// MaxLabelLen characters returns ErrLabelTooLong. Writes a 'renamed' entry.
func (s *Store) Rename(ctx context.Context, accountID, label string) error {
	label, err := cleanLabel(label)
	if err != nil {
		return fmt.Errorf("rename account %s: %w", accountID, err)
	}
	now := s.now()
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET label = ?, updated_at = ? WHERE id = ?`,
			label, formatTime(now), accountID)
		if err != nil {
			return err
		}
		if err := checkAffected(res); err != nil {
			return err
		}
		a, err := getAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		return writeAudit(ctx, tx, now, a, EventRenamed, label)
	})
	if err != nil {
		return fmt.Errorf("rename account %s: %w", accountID, err)
	}
	return nil
}

// SetDefault makes the account the only default one and writes a
// 'default_set' entry.
func (s *Store) SetDefault(ctx context.Context, accountID string) error {
	now := s.now()
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		a, err := getAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		// Two statements: SQLite checks the one-default index row by row.
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET is_default = 0 WHERE is_default = 1 AND id <> ?`, accountID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET is_default = 1 WHERE id = ?`, accountID); err != nil {
			return err
		}
		return writeAudit(ctx, tx, now, a, EventDefaultSet, "chosen by the user")
	})
	if err != nil {
		return fmt.Errorf("set default account %s: %w", accountID, err)
	}
	return nil
}

// MarkNeedsSignIn records that the account's refresh was refused: status
// needs_sign_in with reason (human text, stored without any of the account's
// tokens), its dead tokens deleted, a 'refresh_failed' entry written. The
// account and its history stay, so a new sign-in brings it back as it was.
//
// Call it only while holding the account's refresh lock and after checking
// the generation, or it may delete a pair another process just saved.
func (s *Store) MarkNeedsSignIn(ctx context.Context, accountID, reason string) error {
	now := s.now()
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		a, err := getAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		// Errors from Unseal are ignored: tokens that do not open cannot
		// leak into the reason either.
		t, _, _ := s.readTokens(ctx, tx, accountID)
		reason = truncate(redact(strings.TrimSpace(reason), t.AccessToken, t.RefreshToken), maxTextLen)
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?`,
			StatusNeedsSignIn, reason, formatTime(now), accountID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		a.Status, a.StatusReason = StatusNeedsSignIn, reason
		return writeAudit(ctx, tx, now, a, EventRefreshFailed, reason)
	})
	if err != nil {
		return fmt.Errorf("mark account %s as needing sign-in: %w", accountID, err)
	}
	return nil
}

// RemoveAccount deletes the account, its tokens and its recent patients and
// writes a 'removed' entry, in one transaction. With a revocation it also
// queues it (see Revocation for the fields it fills in) and writes
// 'revocation_queued', so the token is revoked later even if the network is
// down now. If the account was the default, the first remaining account (in
// Accounts order) becomes it.
//
// Recent patients go because they exist to pick a patient again while signed
// in: a signed-out account's patient list must not linger. Its History
// entries (and audit) are kept, like a record of what was done, and stay
// listed by History; they are sealed as before, and no new ones are added.
func (s *Store) RemoveAccount(ctx context.Context, accountID string, revocation *Revocation) error {
	now := s.now()
	var rev *sealedRevocation
	if revocation != nil {
		var err error
		if rev, err = s.sealRevocation(*revocation, accountID, now); err != nil {
			return fmt.Errorf("remove account %s: %w", accountID, err)
		}
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		a, err := getAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		// Explicit, not left to ON DELETE CASCADE alone: tokens and recent
		// patients must never outlive their account, whatever a connection's
		// pragmas.
		if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recent_patients WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM patient_plans WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, accountID); err != nil {
			return err
		}
		if err := writeAudit(ctx, tx, now, a, EventRemoved, displayName(a)); err != nil {
			return err
		}
		if rev != nil {
			if err := insertRevocation(ctx, tx, rev, a); err != nil {
				return err
			}
			if err := writeAudit(ctx, tx, now, a, EventRevocationQueued, rev.ID); err != nil {
				return err
			}
		}
		if !a.IsDefault {
			return nil
		}
		return promoteNextDefault(ctx, tx, now)
	})
	if err != nil {
		return fmt.Errorf("remove account %s: %w", accountID, err)
	}
	return nil
}

// promoteNextDefault makes the first account in listing order the default.
func promoteNextDefault(ctx context.Context, tx *sql.Tx, now time.Time) error {
	next, err := scanView(tx.QueryRowContext(ctx, viewSelect+accountOrder+` LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil // that was the last account
	}
	if err != nil {
		return fmt.Errorf("find next default: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET is_default = 1 WHERE id = ?`, next.ID); err != nil {
		return fmt.Errorf("set next default: %w", err)
	}
	return writeAudit(ctx, tx, now, next.Account, EventDefaultSet, "previous default removed")
}

// displayName is how an account is named in history: its label, else its
// clinic and user.
func displayName(a Account) string {
	if a.Label != "" {
		return a.Label
	}
	var parts []string
	for _, p := range []string{a.ClinicName, a.UserName} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " / ")
}
