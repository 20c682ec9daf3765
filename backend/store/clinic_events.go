package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// ClinicEvent is one of Fullscript's events for a clinic (the Events API,
// reference 6.1), as the app keeps it. Data is Fullscript's "data" object,
// sealed at rest; the ids beside it are in the clear so events can be
// de-duplicated, filtered and ordered without unsealing.
type ClinicEvent struct {
	Environment string
	ClinicID    string
	EventID     string // Fullscript's id: the de-duplication key, per clinic
	AccountID   string // whose token fetched it
	Category    string // treatment_plans, patients, orders, lab_orders, or one Fullscript adds
	Type        string // e.g. order.placed; unknown types are kept as they come
	CreatedAt   time.Time
	FetchedAt   time.Time // AddClinicEvent fills it in when zero
	PatientID   string
	PlanID      string
	// Backfill: fetched by a clinic's first poll (its last 30 days at
	// once): kept and listed, never announced as new.
	Backfill bool
	Data     []byte
}

// LogValue keeps the data out of logs: it may name patients and products.
func (e ClinicEvent) LogValue() slog.Value {
	return slog.GroupValue(slog.String("event", e.EventID), slog.String("type", e.Type),
		slog.String("clinic", e.ClinicID), slog.Int("data_bytes", len(e.Data)))
}

func (e ClinicEvent) String() string {
	return fmt.Sprintf("ClinicEvent{event %s, type %s, clinic %s, %d bytes of data redacted}", e.EventID, e.Type, e.ClinicID, len(e.Data))
}

// GoString is String, so %#v redacts too.
func (e ClinicEvent) GoString() string { return e.String() }

func clinicEventAAD(env, clinicID, eventID string) []byte {
	return []byte("clinic_event:" + env + ":" + clinicID + ":" + eventID)
}

// AddClinicEvent stores an event unless the clinic already has one with its
// id (then it stores nothing and returns false): Fullscript lists an event
// on every poll of its day, and two processes may poll at once.
func (s *Store) AddClinicEvent(ctx context.Context, e ClinicEvent) (bool, error) {
	switch {
	case e.Environment == "" || e.ClinicID == "" || e.EventID == "":
		return false, errors.New("add clinic event: environment, clinic id and event id are required")
	case e.Type == "" || e.Category == "":
		return false, fmt.Errorf("add clinic event %s: no type or category", truncate(e.EventID, 40))
	case len(e.Data) > MaxDataLen:
		return false, fmt.Errorf("add clinic event %s: data is %d bytes, more than %d", truncate(e.EventID, 40), len(e.Data), MaxDataLen)
	}
	if e.FetchedAt.IsZero() {
		e.FetchedAt = s.now()
	}
	sealed, err := s.sealData(e.Data, clinicEventAAD(e.Environment, e.ClinicID, e.EventID), "clinic event "+e.EventID)
	if err != nil {
		return false, fmt.Errorf("add clinic event: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO clinic_events (environment, clinic_id, event_id, account_id, category,
		type, created_at, fetched_at, patient_id, plan_id, backfill, details_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		e.Environment, e.ClinicID, e.EventID, e.AccountID, truncate(e.Category, 64), truncate(e.Type, 128),
		formatTime(e.CreatedAt.UTC()), formatTime(e.FetchedAt.UTC()), e.PatientID, e.PlanID, e.Backfill, sealed)
	if err != nil {
		return false, fmt.Errorf("add clinic event %s: %w", e.EventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("add clinic event %s: %w", e.EventID, err)
	}
	return n > 0, nil
}

// KnownClinicEvents is the set of a clinic's event ids stored with a
// creation time at or after since: what a poll need not fetch again.
func (s *Store) KnownClinicEvents(ctx context.Context, env, clinicID string, since time.Time) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT event_id FROM clinic_events WHERE environment = ? AND clinic_id = ? AND created_at >= ?`,
		env, clinicID, formatTime(since.UTC()))
	if err != nil {
		return nil, fmt.Errorf("read known events of clinic %s: %w", clinicID, err)
	}
	defer rows.Close()
	known := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read known events of clinic %s: %w", clinicID, err)
		}
		known[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read known events of clinic %s: %w", clinicID, err)
	}
	return known, nil
}

// ClinicEventFilter narrows ClinicEvents. Zero fields match everything.
type ClinicEventFilter struct {
	Environment, ClinicID, PatientID string
	Since                            time.Time // created at or after
	Limit                            int       // <= 0: DefaultHistoryLimit
}

// ClinicEvents lists stored events, newest first. An event whose data does
// not unseal (a damaged page, another key) is left out and counted in
// skipped, so one bad row never hides the rest.
func (s *Store) ClinicEvents(ctx context.Context, f ClinicEventFilter) (events []ClinicEvent, skipped int, err error) {
	if f.Limit <= 0 {
		f.Limit = DefaultHistoryLimit
	}
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"environment", f.Environment}, {"clinic_id", f.ClinicID}, {"patient_id", f.PatientID}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= ?")
		args = append(args, formatTime(f.Since.UTC()))
	}
	q := `SELECT environment, clinic_id, event_id, account_id, category, type, created_at, fetched_at, patient_id, plan_id,
		backfill, details_sealed FROM clinic_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("read clinic events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e                ClinicEvent
			created, fetched string
			sealed           []byte
		)
		if err := rows.Scan(&e.Environment, &e.ClinicID, &e.EventID, &e.AccountID, &e.Category, &e.Type, &created, &fetched,
			&e.PatientID, &e.PlanID, &e.Backfill, &sealed); err != nil {
			return nil, 0, fmt.Errorf("read clinic events: %w", err)
		}
		if e.CreatedAt, err = parseTime(created); err != nil {
			return nil, 0, fmt.Errorf("read clinic events: %w", err)
		}
		if e.FetchedAt, err = parseTime(fetched); err != nil {
			return nil, 0, fmt.Errorf("read clinic events: %w", err)
		}
		if e.Data, err = s.unsealData(sealed, clinicEventAAD(e.Environment, e.ClinicID, e.EventID), "clinic event "+e.EventID); err != nil {
			s.log.Warn("a stored clinic event cannot be read; leaving it out", "event", e.EventID, "err", err)
			skipped++
			continue
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read clinic events: %w", err)
	}
	return events, skipped, nil
}

// Person is a name History gives: a person at a clinic, kept after their
// account is signed out.
type Person struct {
	Environment, ClinicID, UserID string
	AccountID                     string // the latest account of theirs
	ClinicName, UserName          string
}

// rememberPerson keeps the names of a signed-in account, in its sign-in's
// transaction.
func rememberPerson(ctx context.Context, tx *sql.Tx, a Account) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO known_people (environment, clinic_id, user_id, account_id, clinic_name, user_name)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (environment, clinic_id, user_id) DO UPDATE SET
		account_id = excluded.account_id, clinic_name = excluded.clinic_name, user_name = excluded.user_name`,
		a.Environment, a.ClinicID, a.UserID, a.ID, a.ClinicName, a.UserName)
	if err != nil {
		return fmt.Errorf("remember %s's name: %w", a.ID, err)
	}
	return nil
}

// People lists everyone History may name.
func (s *Store) People(ctx context.Context) ([]Person, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT environment, clinic_id, user_id, account_id, clinic_name, user_name FROM known_people
		ORDER BY clinic_name, user_name`)
	if err != nil {
		return nil, fmt.Errorf("read people: %w", err)
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.Environment, &p.ClinicID, &p.UserID, &p.AccountID, &p.ClinicName, &p.UserName); err != nil {
			return nil, fmt.Errorf("read people: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read people: %w", err)
	}
	return out, nil
}

// ForgetHistory deletes what History keeps of a signed-out person: their
// accounts' entries and audit lines, their name, and, when nobody else of
// their clinic remains (signed in, or kept in History), the clinic's
// Fullscript events. It refuses while the person is signed in: their
// account would go on adding to it.
func (s *Store) ForgetHistory(ctx context.Context, env, clinicID, userID string) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE environment = ? AND clinic_id = ? AND user_id = ?`,
			env, clinicID, userID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errors.New("the account is still signed in: sign it out first")
		}
		for _, q := range []string{
			`DELETE FROM history WHERE account_id IN (SELECT DISTINCT account_id FROM audit WHERE environment = ?1 AND clinic_id = ?2 AND user_id = ?3)`,
			`DELETE FROM audit WHERE environment = ?1 AND clinic_id = ?2 AND user_id = ?3`,
			`DELETE FROM known_people WHERE environment = ?1 AND clinic_id = ?2 AND user_id = ?3`,
			`DELETE FROM clinic_events WHERE environment = ?1 AND clinic_id = ?2
				AND NOT EXISTS (SELECT 1 FROM accounts WHERE environment = ?1 AND clinic_id = ?2)
				AND NOT EXISTS (SELECT 1 FROM known_people WHERE environment = ?1 AND clinic_id = ?2)`,
			// With the clinic's events gone, its next check is a first one
			// again (its 30 days come back as backfill, not as news).
			`DELETE FROM settings WHERE key = 'events.polled.' || ?1 || '.' || ?2
				AND NOT EXISTS (SELECT 1 FROM accounts WHERE environment = ?1 AND clinic_id = ?2)
				AND NOT EXISTS (SELECT 1 FROM known_people WHERE environment = ?1 AND clinic_id = ?2)`,
		} {
			if _, err := tx.ExecContext(ctx, q, env, clinicID, userID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget the history of %s at clinic %s: %w", userID, clinicID, err)
	}
	return nil
}
