package sandbox

import (
	"net/http"
	"sync"
	"time"
)

// requestLogSize is how many requests GET /_sandbox/requests remembers:
// enough for a test to see a poller's rhythm (a pause while offline, the
// gap a Retry-After asked for).
const requestLogSize = 2000

// LoggedRequest is one request the sandbox answered (control routes
// aside). No query, header or body: the query of a search is PII.
type LoggedRequest struct {
	At     time.Time `json:"at"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Status int       `json:"status"`
}

type requestLog struct {
	mu   sync.Mutex
	list []LoggedRequest
}

func (l *requestLog) add(r LoggedRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.list) == requestLogSize {
		l.list = append(l.list[:0], l.list[requestLogSize/2:]...)
	}
	l.list = append(l.list, r)
}

// Requests lists the requests answered, oldest first.
func (s *Sandbox) Requests() []LoggedRequest {
	s.reqLog.mu.Lock()
	defer s.reqLog.mu.Unlock()
	return append([]LoggedRequest{}, s.reqLog.list...)
}

func (s *Sandbox) handleRequests(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"requests": s.Requests()})
}
