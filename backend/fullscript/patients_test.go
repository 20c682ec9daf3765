package fullscript

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func intp(n int) *int { return &n }

func samePage(a, b Page) bool {
	eq := func(x, y *int) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	return a.Current == b.Current && a.TotalPages == b.TotalPages && a.TotalCount == b.TotalCount && eq(a.Next, b.Next) && eq(a.Prev, b.Prev)
}

func pageString(p Page) string {
	s := func(x *int) string {
		if x == nil {
			return "nil"
		}
		return strconv.Itoa(*x)
	}
	return fmt.Sprintf("{current %d of %d, %d in all, next %s, prev %s}", p.Current, p.TotalPages, p.TotalCount, s(p.Next), s(p.Prev))
}

func TestListPatients(t *testing.T) {
	e := newTestEnv(t)
	s := e.signIn("ben.okafor@example.com")
	all, err := e.client.ListPatients(ctxT(t), s.access, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	total := len(all.Patients)
	if total < 21 || all.Page.TotalCount != total {
		t.Fatalf("want one page holding every patient (> 20), got %d of %d", total, all.Page.TotalCount)
	}
	pages := (total + 9) / 10
	tests := []struct {
		page, size int
		wantLen    int
		want       Page
	}{
		{1, 10, 10, Page{Current: 1, TotalPages: pages, TotalCount: total, Next: intp(2)}},
		{2, 10, 10, Page{Current: 2, TotalPages: pages, TotalCount: total, Next: intp(3), Prev: intp(1)}},
		{pages, 10, total - 10*(pages-1), Page{Current: pages, TotalPages: pages, TotalCount: total, Prev: intp(pages - 1)}},
		{0, 500, total, Page{Current: 1, TotalPages: 1, TotalCount: total}}, // page 0 means 1; size capped at 100
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("page %d size %d", tt.page, tt.size), func(t *testing.T) {
			got, err := e.client.ListPatients(ctxT(t), s.access, tt.page, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Patients) != tt.wantLen || !samePage(got.Page, tt.want) {
				t.Fatalf("got %d patients, page %s; want %d, %s", len(got.Patients), pageString(got.Page), tt.wantLen, pageString(tt.want))
			}
			off := (max(tt.page, 1) - 1) * tt.size
			if tt.size <= 100 && got.Patients[0].ID != all.Patients[off].ID {
				t.Errorf("first patient of page %d is %s, want %s", tt.page, got.Patients[0].ID, all.Patients[off].ID)
			}
		})
	}
}

func TestSearchPatients(t *testing.T) {
	e := newTestEnv(t)
	s := e.signIn("ben.okafor@example.com")
	all, err := e.client.ListPatients(ctxT(t), s.access, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	// Expected matches, computed from the list the way the search is documented.
	const query = "Kline"
	var want []string
	for _, p := range all.Patients {
		if strings.Contains(strings.ToLower(p.FirstName+" "+p.LastName+" "+p.Email), strings.ToLower(query)) {
			want = append(want, p.ID)
		}
	}
	if len(want) < 3 {
		t.Fatalf("the seed has %d patients matching %q; the test needs 3 or more", len(want), query)
	}
	var got []string
	pages := (len(want) + 1) / 2
	for n := 1; n <= pages; n++ {
		pg, err := e.client.SearchPatients(ctxT(t), s.access, "  "+query+" ", n, 2)
		if err != nil {
			t.Fatal(err)
		}
		wantPage := Page{Current: n, TotalPages: pages, TotalCount: len(want)}
		if n < pages {
			wantPage.Next = intp(n + 1)
		}
		if n > 1 {
			wantPage.Prev = intp(n - 1)
		}
		if !samePage(pg.Page, wantPage) {
			t.Errorf("page %d: %s, want %s", n, pageString(pg.Page), pageString(wantPage))
		}
		for _, p := range pg.Patients {
			got = append(got, p.ID)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("search found %v, want %v", got, want)
	}

	none, err := e.client.SearchPatients(ctxT(t), s.access, "no-such-patient-anywhere", 1, 10)
	if err != nil || len(none.Patients) != 0 || none.Page.TotalCount != 0 {
		t.Fatalf("a search without matches: %+v, %v", none, err)
	}
	if _, err := e.client.SearchPatients(ctxT(t), s.access, "   ", 1, 10); err == nil || asAPI(err) {
		t.Fatalf("an empty query must fail locally, got %v", err)
	}
}

// The size cap is the client's own: check what goes on the wire.
func TestListPatientsQuery(t *testing.T) {
	var gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.RawQuery
		_, _ = w.Write([]byte(`{"patients":[]}`))
	}))
	defer srv.Close()
	c := &Client{APIBase: srv.URL + "/api/"}
	tests := []struct {
		page, size int
		want       string
	}{
		{3, 500, "page%5Bnumber%5D=3&page%5Bsize%5D=100"},
		{-1, 25, "page%5Bnumber%5D=1&page%5Bsize%5D=25"},
		{2, 0, "page%5Bnumber%5D=2"},
	}
	for _, tt := range tests {
		got, err := c.ListPatients(ctxT(t), "tok", tt.page, tt.size)
		if err != nil {
			t.Fatal(err)
		}
		if gotQuery != tt.want {
			t.Errorf("ListPatients(%d, %d) sent %q, want %q", tt.page, tt.size, gotQuery, tt.want)
		}
		// No meta: only the page asked for is known.
		if got.Page.Current != max(tt.page, 1) || got.Page.TotalPages != 0 || got.Patients == nil {
			t.Errorf("without meta: %+v", got)
		}
	}
}

func TestPatient(t *testing.T) {
	e := newTestEnv(t)
	ben := e.signIn("ben.okafor@example.com")
	chloe := e.signIn("chloe.tremblay@example.com")
	mine, err := e.client.ListPatients(ctxT(t), ben.access, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := e.client.ListPatients(ctxT(t), chloe.access, 1, 1)
	if err != nil {
		t.Fatal(err)
	}

	want := mine.Patients[2]
	got, err := e.client.Patient(ctxT(t), ben.access, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Patient() = %+v, want %+v (as listed)", got, want)
	}
	if got.FirstName == "" || got.Email == "" || got.DateOfBirth == "" || got.Gender == "" {
		t.Errorf("patient fields missing: %+v", got)
	}

	tests := []struct {
		name, id string
	}{
		{"another clinic's patient", theirs.Patients[0].ID},
		{"unknown id", "00000000-0000-0000-0000-000000000000"},
		{"id needing escapes", "a/b?c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.Patient(ctxT(t), ben.access, tt.id)
			if !IsNotFound(err) {
				t.Fatalf("want IsNotFound, got %v", err)
			}
			if ae := asAPIError(t, err); ae.RequestID == "" || ae.Messages[0] != "Not Found" {
				t.Errorf("APIError = %+v", ae)
			}
		})
	}
}

func TestCreatePatient(t *testing.T) {
	e := newTestEnv(t)
	s := e.signIn("ben.okafor@example.com")
	in := PatientInput{FirstName: "Wren", LastName: "Halloway", Email: "wren.halloway@example.com",
		DateOfBirth: "1988-04-12", Gender: "female", MobileNumber: "+16045550199"}
	p, err := e.client.CreatePatient(ctxT(t), s.access, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == "" || p.FirstName != in.FirstName || p.LastName != in.LastName || p.Email != in.Email ||
		p.DateOfBirth != in.DateOfBirth || p.Gender != in.Gender || p.MobileNumber != in.MobileNumber {
		t.Fatalf("created %+v from %+v", p, in)
	}
	if again, err := e.client.Patient(ctxT(t), s.access, p.ID); err != nil || again != p {
		t.Fatalf("read back %+v, %v; want %+v", again, err, p)
	}

	tests := []struct {
		name string
		in   PatientInput
		want []string
	}{
		{"duplicate email", PatientInput{FirstName: "W", LastName: "H", Email: in.Email}, []string{"Email has already been taken"}},
		{"bad date", PatientInput{FirstName: "W", LastName: "H", Email: "w2@example.com", DateOfBirth: "1988-13-45"},
			[]string{"Date of birth must be a past date written yyyy-mm-dd"}},
		{"blank names", PatientInput{Email: "w3@example.com"}, []string{"First name can't be blank", "Last name can't be blank"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.CreatePatient(ctxT(t), s.access, tt.in)
			ae := asAPIError(t, err)
			if ae.Status != http.StatusUnprocessableEntity || !slices.Equal(ae.Messages, tt.want) || ae.RequestID == "" {
				t.Fatalf("got %+v, want 422 with %q", ae, tt.want)
			}
			wantText := "create patient: fullscript: 422 Unprocessable Entity: " + strings.Join(tt.want, "; ") + " (request " + ae.RequestID + ")"
			if err.Error() != wantText {
				t.Errorf("error text\n got %q\nwant %q", err.Error(), wantText)
			}
		})
	}
}

// Patient JSON is not published (reference 8.5): ids may be numbers and
// Rails writes decimals as strings.
func TestPatientLenientShapes(t *testing.T) {
	tests := []struct {
		name, body string
		want       Patient
		malformed  bool
	}{
		{"wrapped, string decimal", `{"patient":{"id":"p-1","first_name":"A","discount":"12.5"}}`, Patient{ID: "p-1", FirstName: "A", Discount: 12.5}, false},
		{"bare, numeric id, null discount", `{"id":7,"email":"a@b.c","discount":null}`, Patient{ID: "7", Email: "a@b.c"}, false},
		{"no id", `{"patient":{"first_name":"A"}}`, Patient{}, true},
		{"discount not a number", `{"patient":{"id":"p","discount":"lots"}}`, Patient{}, true},
		{"null", `null`, Patient{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			got, err := (&Client{APIBase: srv.URL}).Patient(ctxT(t), "tok", "p-1")
			if tt.malformed {
				if !errors.Is(err, ErrMalformedReply) {
					t.Fatalf("want ErrMalformedReply, got %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
