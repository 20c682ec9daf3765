package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Tokens is an account's OAuth token pair, in the clear. It lives in memory
// only; the file holds the tokens sealed.
type Tokens struct {
	AccessToken     string
	RefreshToken    string
	TokenType       string
	Scope           string
	AccessExpiresAt time.Time
	IssuedAt        time.Time
	// Issuer is who issued the pair; the pair is sent nowhere else.
	Issuer Issuer
}

// Issuer names the server and client a token pair belongs to: the OAuth
// client id and the token endpoint it was issued by. The zero value is a
// pair stored before issuers were kept.
type Issuer struct {
	ClientID string
	TokenURL string
}

// LogValue keeps the tokens out of logs when a caller logs the struct.
func (t Tokens) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token_type", t.TokenType),
		slog.String("scope", t.Scope),
		slog.Time("access_expires_at", t.AccessExpiresAt),
		slog.Time("issued_at", t.IssuedAt),
		slog.Bool("has_refresh_token", t.RefreshToken != ""),
		slog.String("client_id", t.Issuer.ClientID),
		slog.String("token_url", t.Issuer.TokenURL),
	)
}

// String keeps the tokens out of fmt's %v and %s.
func (t Tokens) String() string {
	return fmt.Sprintf("Tokens{type %q, scope %q, expires %s, access and refresh token redacted}",
		t.TokenType, t.Scope, t.AccessExpiresAt.Format(time.RFC3339))
}

// GoString keeps the tokens out of fmt's %#v.
func (t Tokens) GoString() string { return t.String() }

// tokenAAD binds a sealed token to its account and column, so a blob copied
// to another row or column fails to open instead of passing as that token.
func tokenAAD(accountID, column string) []byte {
	return []byte("token:" + accountID + ":" + column)
}

func (s *Store) seal(plaintext string, aad []byte) ([]byte, error) {
	b, err := s.sealer.Seal([]byte(plaintext), aad)
	if err != nil {
		return nil, fmt.Errorf("seal %s: %w", aadName(aad), err)
	}
	return b, nil
}

func (s *Store) unseal(sealed, aad []byte) (string, error) {
	b, err := s.sealer.Unseal(sealed, aad)
	if err != nil {
		return "", fmt.Errorf("unseal %s: %w: %w", aadName(aad), ErrUnreadable, err)
	}
	return string(b), nil
}

// sealData seals caller data (patient JSON) under aad. name says what it is
// in an error instead of the aad, which may hold a caller's patient key.
func (s *Store) sealData(plaintext, aad []byte, name string) ([]byte, error) {
	b, err := s.sealer.Seal(plaintext, aad)
	if err != nil {
		return nil, fmt.Errorf("seal %s: %w", name, err)
	}
	return b, nil
}

// unsealData opens what sealData sealed; see sealData for name.
func (s *Store) unsealData(sealed, aad []byte, name string) ([]byte, error) {
	b, err := s.sealer.Unseal(sealed, aad)
	if err != nil {
		return nil, fmt.Errorf("unseal %s: %w: %w", name, ErrUnreadable, err)
	}
	return b, nil
}

// aadName names a sealed value in an error by where it lives ("token:<id>:access"):
// the aad is a location, never a secret.
func aadName(aad []byte) string {
	return string(aad)
}

// Tokens returns the account's tokens, unsealed, and their generation, to
// pass back to SaveRefreshed. It returns ErrNotFound when the account has no
// tokens (unknown account, or marked as needing sign-in).
func (s *Store) Tokens(ctx context.Context, accountID string) (Tokens, int64, error) {
	t, gen, err := s.readTokens(ctx, s.db, accountID)
	if err != nil {
		return Tokens{}, 0, fmt.Errorf("get tokens of account %s: %w", accountID, err)
	}
	return t, gen, nil
}

func (s *Store) readTokens(ctx context.Context, q queryer, accountID string) (Tokens, int64, error) {
	var (
		t               Tokens
		access, refresh []byte
		expires, issued string
		generation      int64
	)
	err := q.QueryRowContext(ctx, `SELECT access_sealed, refresh_sealed, token_type, scope,
		access_expires_at, issued_at, generation, client_id, token_url FROM tokens WHERE account_id = ?`, accountID).
		Scan(&access, &refresh, &t.TokenType, &t.Scope, &expires, &issued, &generation, &t.Issuer.ClientID, &t.Issuer.TokenURL)
	if errors.Is(err, sql.ErrNoRows) {
		return Tokens{}, 0, ErrNotFound
	}
	if err != nil {
		return Tokens{}, 0, err
	}
	if t.AccessExpiresAt, err = parseTime(expires); err != nil {
		return Tokens{}, 0, err
	}
	if t.IssuedAt, err = parseTime(issued); err != nil {
		return Tokens{}, 0, err
	}
	if t.AccessToken, err = s.unseal(access, tokenAAD(accountID, "access")); err != nil {
		return Tokens{}, 0, err
	}
	if t.RefreshToken, err = s.unseal(refresh, tokenAAD(accountID, "refresh")); err != nil {
		return Tokens{}, 0, err
	}
	return t, generation, nil
}

// putSignInTokens stores a sign-in's pair, replacing any old one and bumping
// the generation, so a process holding the old generation sees the change.
func (s *Store) putSignInTokens(ctx context.Context, tx *sql.Tx, accountID string, t Tokens) error {
	access, err := s.seal(t.AccessToken, tokenAAD(accountID, "access"))
	if err != nil {
		return err
	}
	refresh, err := s.seal(t.RefreshToken, tokenAAD(accountID, "refresh"))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO tokens (account_id, access_sealed, refresh_sealed, token_type,
		scope, access_expires_at, issued_at, last_refreshed_at, generation, client_id, token_url)
		VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 1, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET
			access_sealed = excluded.access_sealed, refresh_sealed = excluded.refresh_sealed,
			token_type = excluded.token_type, scope = excluded.scope,
			access_expires_at = excluded.access_expires_at, issued_at = excluded.issued_at,
			last_refreshed_at = NULL, generation = tokens.generation + 1,
			client_id = excluded.client_id, token_url = excluded.token_url`,
		accountID, access, refresh, t.TokenType, t.Scope, formatTime(t.AccessExpiresAt), formatTime(t.IssuedAt),
		t.Issuer.ClientID, t.Issuer.TokenURL)
	if err != nil {
		return fmt.Errorf("store tokens: %w", err)
	}
	return nil
}

// SaveRefreshed commits a refreshed pair in one transaction: the tokens,
// last_refreshed_at = at, generation + 1 and a 'refreshed' entry. If the
// stored generation is not expectGeneration, another process refreshed
// meanwhile: it returns ErrConflict and writes nothing (reload with Tokens).
// An empty RefreshToken or Scope keeps the stored one, as RFC 6749 allows a
// refresh response to omit them. The issuer is never changed, except that a
// pair stored before issuers were kept takes t.Issuer. ErrNotFound means the
// account has no tokens.
func (s *Store) SaveRefreshed(ctx context.Context, accountID string, expectGeneration int64, t Tokens, at time.Time) error {
	if t.AccessToken == "" {
		return fmt.Errorf("save refreshed tokens of account %s: no access token", accountID)
	}
	// Seal before the transaction, so the write lock is held for SQL only.
	access, err := s.seal(t.AccessToken, tokenAAD(accountID, "access"))
	if err != nil {
		return fmt.Errorf("save refreshed tokens of account %s: %w", accountID, err)
	}
	var refresh []byte // nil keeps the stored one
	if t.RefreshToken != "" {
		if refresh, err = s.seal(t.RefreshToken, tokenAAD(accountID, "refresh")); err != nil {
			return fmt.Errorf("save refreshed tokens of account %s: %w", accountID, err)
		}
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET access_sealed = ?,
			refresh_sealed = coalesce(?, refresh_sealed), token_type = ?, scope = coalesce(nullif(?, ''), scope),
			access_expires_at = ?, issued_at = ?, last_refreshed_at = ?, generation = generation + 1,
			client_id = CASE WHEN client_id = '' AND token_url = '' THEN ? ELSE client_id END,
			token_url = CASE WHEN client_id = '' AND token_url = '' THEN ? ELSE token_url END
			WHERE account_id = ? AND generation = ?`,
			access, refresh, t.TokenType, t.Scope, formatTime(t.AccessExpiresAt), formatTime(t.IssuedAt),
			formatTime(at), t.Issuer.ClientID, t.Issuer.TokenURL, accountID, expectGeneration)
		if err != nil {
			return err
		}
		if err := checkAffected(res); errors.Is(err, ErrNotFound) {
			var current int64
			err := tx.QueryRowContext(ctx, `SELECT generation FROM tokens WHERE account_id = ?`, accountID).Scan(&current)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("expected generation %d, found %d: %w", expectGeneration, current, ErrConflict)
		} else if err != nil {
			return err
		}
		a, err := getAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		return writeAudit(ctx, tx, s.now(), a, EventRefreshed, fmt.Sprintf("generation %d", expectGeneration+1))
	})
	if err != nil {
		return fmt.Errorf("save refreshed tokens of account %s: %w", accountID, err)
	}
	return nil
}

// TokenIssuer says who issued the account's tokens, without unsealing them.
// ErrNotFound: the account has no tokens.
func (s *Store) TokenIssuer(ctx context.Context, accountID string) (Issuer, error) {
	var iss Issuer
	err := s.db.QueryRowContext(ctx, `SELECT client_id, token_url FROM tokens WHERE account_id = ?`, accountID).
		Scan(&iss.ClientID, &iss.TokenURL)
	if errors.Is(err, sql.ErrNoRows) {
		return Issuer{}, fmt.Errorf("get token issuer of account %s: %w", accountID, ErrNotFound)
	}
	if err != nil {
		return Issuer{}, fmt.Errorf("get token issuer of account %s: %w", accountID, err)
	}
	return iss, nil
}

// UnreadableTokens lists the accounts whose stored tokens cannot be
// unsealed (another data key sealed them, or their bytes are damaged), so
// the account list shows what can really be used. It unseals every pair and
// keeps nothing in memory.
func (s *Store) UnreadableTokens(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT account_id, access_sealed, refresh_sealed FROM tokens`)
	if err != nil {
		return nil, fmt.Errorf("check tokens: %w", damaged(err))
	}
	defer rows.Close()
	bad := map[string]bool{}
	for rows.Next() {
		var (
			id              string
			access, refresh []byte
		)
		if err := rows.Scan(&id, &access, &refresh); err != nil {
			return nil, fmt.Errorf("check tokens: %w", damaged(err))
		}
		for _, c := range []struct {
			sealed []byte
			column string
		}{{access, "access"}, {refresh, "refresh"}} {
			b, err := s.sealer.Unseal(c.sealed, tokenAAD(id, c.column))
			clear(b)
			if err != nil {
				bad[id] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check tokens: %w", damaged(err))
	}
	return bad, nil
}
