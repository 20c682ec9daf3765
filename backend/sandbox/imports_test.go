package sandbox

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The sandbox plays Fullscript: it must share no code with the client side
// (backend/auth, backend/fullscript, ...), or a shared mistake would pass
// both sides' tests.
func TestSandboxImportsNothingFromTheApp(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("list sources: %v", err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		parsed, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "fullscript-companion/") {
				t.Errorf("%s imports %s: the sandbox must stay independent of the app", f, path)
			}
		}
	}
}
