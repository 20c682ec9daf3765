package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

func settingAAD(key string) []byte {
	return []byte("setting:" + key)
}

// Setting returns a setting's value, unsealed if it was saved as secret, and
// whether it is set.
func (s *Store) Setting(ctx context.Context, key string) (string, bool, error) {
	var (
		value  []byte
		sealed bool
	)
	err := s.db.QueryRowContext(ctx, `SELECT value, sealed FROM settings WHERE key = ?`, key).Scan(&value, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get setting %q: %w", key, err)
	}
	if !sealed {
		return string(value), true, nil
	}
	v, err := s.unseal(value, settingAAD(key))
	if err != nil {
		return "", false, fmt.Errorf("get setting %q: %w", key, err)
	}
	return v, true, nil
}

// SetSetting saves a setting, replacing any old value. A secret one (a client
// secret, say) is sealed, bound to its key.
func (s *Store) SetSetting(ctx context.Context, key, value string, secret bool) error {
	if key == "" {
		return errors.New("set setting: empty key")
	}
	stored := []byte(value)
	if secret {
		var err error
		if stored, err = s.seal(value, settingAAD(key)); err != nil {
			return fmt.Errorf("set setting %q: %w", key, err)
		}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO settings (key, value, sealed) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, sealed = excluded.sealed`, key, stored, secret)
	if err != nil {
		return fmt.Errorf("set setting %q: %w", key, err)
	}
	return nil
}

// DeleteSetting removes a setting; removing one that is not set is not an
// error.
func (s *Store) DeleteSetting(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key); err != nil {
		return fmt.Errorf("delete setting %q: %w", key, err)
	}
	return nil
}

// SettingsWithPrefix returns every setting whose key starts with prefix
// (secret ones unsealed), in one read. A secret that cannot be unsealed is
// left out, with the others still returned, and the error says which.
func (s *Store) SettingsWithPrefix(ctx context.Context, prefix string) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value, sealed FROM settings WHERE substr(key, 1, ?) = ?`, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("get settings %q: %w", prefix, damaged(err))
	}
	defer rows.Close()
	out := map[string]string{}
	var errs []error
	for rows.Next() {
		var (
			key    string
			value  []byte
			sealed bool
		)
		if err := rows.Scan(&key, &value, &sealed); err != nil {
			return nil, fmt.Errorf("get settings %q: %w", prefix, err)
		}
		if !sealed {
			out[key] = string(value)
			continue
		}
		v, err := s.unseal(value, settingAAD(key))
		if err != nil {
			errs = append(errs, fmt.Errorf("get setting %q: %w", key, err))
			continue
		}
		out[key] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("get settings %q: %w", prefix, err)
	}
	return out, errors.Join(errs...)
}
