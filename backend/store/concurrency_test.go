package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Two Stores on one file stand for two app processes; their goroutines race
// to commit a refresh for the same account.
func TestConcurrentRefresh(t *testing.T) {
	t.Parallel()
	const workers = 20
	tests := []struct {
		name string
		run  func(t *testing.T, stores [2]*Store, id string) (wins int64)
	}{
		{
			// Every worker holds the same generation: exactly one may win.
			name: "same expected generation, round by round",
			run: func(t *testing.T, stores [2]*Store, id string) int64 {
				const rounds = 5
				for round := int64(0); round < rounds; round++ {
					gen := 1 + round
					var wins, conflicts atomic.Int64
					start := make(chan struct{})
					var wg sync.WaitGroup
					for w := 0; w < workers; w++ {
						wg.Add(1)
						go func() {
							defer wg.Done()
							<-start
							tk := toks(fmt.Sprintf("acc-%d-%d", gen, w), fmt.Sprintf("ref-%d-%d", gen, w))
							err := stores[w%2].SaveRefreshed(ctxT(t), id, gen, tk, time.Now())
							switch {
							case err == nil:
								wins.Add(1)
							case errors.Is(err, ErrConflict):
								conflicts.Add(1)
							default:
								t.Errorf("round %d worker %d: %v", round, w, err)
							}
						}()
					}
					close(start)
					wg.Wait()
					if wins.Load() != 1 || conflicts.Load() != workers-1 {
						t.Fatalf("round %d: %d wins, %d conflicts; want 1 and %d", round, wins.Load(), conflicts.Load(), workers-1)
					}
				}
				return rounds
			},
		},
		{
			// Workers read, then save what they read, over and over, as a
			// refresh does; reads and writes interleave across both handles.
			name: "read then save, free running",
			run: func(t *testing.T, stores [2]*Store, id string) int64 {
				var wins atomic.Int64
				var wg sync.WaitGroup
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						s := stores[w%2]
						for i := 0; i < 5; i++ {
							_, gen, err := s.Tokens(ctxT(t), id)
							if err != nil {
								t.Errorf("worker %d: Tokens: %v", w, err)
								return
							}
							err = s.SaveRefreshed(ctxT(t), id, gen, toks(fmt.Sprintf("a-%d-%d", w, i), "r"), time.Now())
							if err == nil {
								wins.Add(1)
							} else if !errors.Is(err, ErrConflict) {
								t.Errorf("worker %d: SaveRefreshed: %v", w, err)
							}
						}
					}()
				}
				wg.Wait()
				if wins.Load() == 0 {
					t.Fatal("no refresh won")
				}
				return wins.Load()
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			a := f.signIn(t, acct("us", "c1", "u1", "North", "Ann"), toks("acc-0", "ref-0"))
			other, err := Open(ctxT(t), f.path, f.sealer)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			wins := tt.run(t, [2]*Store{f.s, other}, a.ID)
			_, gen, err := other.Tokens(ctxT(t), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if gen != 1+wins {
				t.Errorf("generation %d after %d wins, want %d", gen, wins, 1+wins)
			}
			var refreshed int64
			entries, _ := f.s.Audit(ctxT(t), a.ID)
			for _, e := range entries {
				if e.Event == EventRefreshed {
					refreshed++
				}
			}
			if refreshed != wins {
				t.Errorf("%d 'refreshed' entries for %d wins", refreshed, wins)
			}
		})
	}
}
