package companion

import (
	"errors"
	"fmt"
	"testing"
)

func TestViewOf(t *testing.T) {
	cause := errors.New("open /x: permission denied")
	problem := &Problem{What: "The app cannot open its data folder.", Fix: "Check /x.", Err: cause}
	tests := []struct {
		name string
		err  error
		want ErrorView
	}{
		{
			name: "a problem speaks for itself",
			err:  problem,
			want: ErrorView{Message: problem.What, Fix: problem.Fix, Detail: cause.Error()},
		},
		{
			name: "a wrapped problem too",
			err:  fmt.Errorf("overview: %w", problem),
			want: ErrorView{Message: problem.What, Fix: problem.Fix, Detail: cause.Error()},
		},
		{
			name: "a problem with no cause",
			err:  &Problem{What: "Offline.", Fix: "Reconnect."},
			want: ErrorView{Message: "Offline.", Fix: "Reconnect."},
		},
		{
			name: "any other error is the app's fault",
			err:  errors.New("nil map write"),
			want: ErrorView{
				Message: "Something went wrong inside the app.",
				Fix:     "Try again. If it keeps happening, restart the app; the details help support.",
				Detail:  "nil map write",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ViewOf(tt.err); got != tt.want {
				t.Errorf("ViewOf() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	cause := errors.New("disk full")
	p := &Problem{What: "Cannot save.", Fix: "Free some space.", Err: cause}
	if got, want := p.Error(), "Cannot save.: disk full"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(p, cause) {
		t.Error("a Problem does not unwrap to its cause")
	}
}
