//go:build soak

package companion

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fullscript-companion/backend/sandbox"
)

// soakEnvDuration reads a duration from the environment (SOAK_LOAD=60s),
// failing the test on a value that does not parse.
func soakEnvDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive duration such as 60s", name, v)
	}
	return d
}

func soakEnvInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// soakHistogram counts durations in fixed buckets (10 µs up to 100 ms,
// then 1 ms up to 10 s), allocated once, so recording a million grants
// does not grow the heap the test is measuring.
type soakHistogram struct {
	fine   [10_000]int64 // 10 µs each: [0, 100 ms)
	coarse [9_901]int64  // 1 ms each: [100 ms, 10 s], the last one open-ended
	n      int64
	max    time.Duration
}

func (h *soakHistogram) add(d time.Duration) {
	h.n++
	if d > h.max {
		h.max = d
	}
	if d < 100*time.Millisecond {
		h.fine[d/(10*time.Microsecond)]++
		return
	}
	i := int((d - 100*time.Millisecond) / time.Millisecond)
	if i >= len(h.coarse) {
		i = len(h.coarse) - 1
	}
	h.coarse[i]++
}

func (h *soakHistogram) merge(o *soakHistogram) {
	for i := range h.fine {
		h.fine[i] += o.fine[i]
	}
	for i := range h.coarse {
		h.coarse[i] += o.coarse[i]
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile is the upper edge of the bucket holding the q-th duration.
func (h *soakHistogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	var seen int64
	for i, c := range h.fine {
		if seen += c; seen >= rank {
			return time.Duration(i+1) * 10 * time.Microsecond
		}
	}
	for i, c := range h.coarse {
		if seen += c; seen >= rank {
			return 100*time.Millisecond + time.Duration(i+1)*time.Millisecond
		}
	}
	return h.max
}

func soakMS(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64)
}

func soakMiB(b uint64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) }

// soakRSS is a process's resident set (VmRSS in /proc/<pid>/status); 0 if
// it cannot be read (another OS).
func soakRSS(pid int) uint64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// soakMemSampler samples this process's heap and RSS (and another process's
// RSS) every period until stopped, keeping only the peaks.
type soakMemSampler struct {
	mu       sync.Mutex
	peakHeap uint64 // HeapAlloc: live objects and garbage not yet collected
	peakRSS  uint64
	peakPeer uint64
	samples  int
	stop     chan struct{}
	done     chan struct{}
}

func startSoakMemSampler(period time.Duration, peerPID int) *soakMemSampler {
	m := &soakMemSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(period)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			rss, peer := soakRSS(os.Getpid()), soakRSS(peerPID)
			m.mu.Lock()
			m.peakHeap = max(m.peakHeap, ms.HeapAlloc)
			m.peakRSS = max(m.peakRSS, rss)
			m.peakPeer = max(m.peakPeer, peer)
			m.samples++
			m.mu.Unlock()
			select {
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

func (m *soakMemSampler) finish() (peakHeap, peakRSS, peakPeer uint64, samples int) {
	close(m.stop)
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peakHeap, m.peakRSS, m.peakPeer, m.samples
}

// soakLiveHeap collects garbage first, so two readings compare what is
// retained rather than when the collector last ran.
func soakLiveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// soakID is a stable UUID-shaped id, like the sandbox's seed ids.
func soakID(name string) string {
	h := sha1.Sum([]byte("fullscript-companion-soak:" + name))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// writeSoakState writes a sandbox state file whose two seeded clinics have
// `people` users between them (the seed's six, then practitioners and
// every fifth one staff, alternating clinics). The state file is the only
// way the sandbox takes users other than its seed (docs/sandbox.md, State).
func writeSoakState(t *testing.T, path string, people int) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]json.RawMessage
	var clinics []sandbox.Clinic
	var users []sandbox.User
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(file["clinics"], &clinics); err != nil || len(clinics) != 2 {
		t.Fatalf("the seeded state file has %d clinics (want 2): %v", len(clinics), err)
	}
	if err := json.Unmarshal(file["users"], &users); err != nil {
		t.Fatal(err)
	}
	if people < len(users) {
		users = users[:people]
	}
	for i := len(users); i < people; i++ {
		c := clinics[i%2]
		typ := "Practitioner"
		if i%5 == 0 {
			typ = "Staff"
		}
		email := fmt.Sprintf("soak.person.%02d@example.com", i)
		users = append(users, sandbox.User{ID: soakID("user/" + c.ID + "/" + email), ClinicID: c.ID, Type: typ,
			FirstName: "Soak", LastName: fmt.Sprintf("Person %02d", i), Email: email})
	}
	if file["users"], err = json.Marshal(users); err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Clean(path), out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// soakTimeWait counts the TCP sockets in TIME_WAIT to or from port on
// this machine (/proc/net/tcp): each is a connection closed within the last
// minute, so it shows how often the client opened new ones. -1 when it
// cannot be read.
func soakTimeWait(port string) int {
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return -1
	}
	hexPort := fmt.Sprintf(":%04X", p)
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return -1
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 3 && fields[3] == "06" && (strings.HasSuffix(fields[1], hexPort) || strings.HasSuffix(fields[2], hexPort)) {
			n++
		}
	}
	return n
}

// soakLoadAverage is the machine's 1-minute load average (/proc/loadavg), to
// tell a quiet machine from a busy one in the summary; "?" elsewhere.
func soakLoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
