package store

import (
	"bytes"
	"testing"
)

func TestSettings(t *testing.T) {
	t.Parallel()
	type op struct {
		set    bool // SetSetting, else DeleteSetting
		value  string
		secret bool
	}
	tests := []struct {
		name      string
		ops       []op
		want      string
		wantFound bool
		wantRaw   bool // the raw column holds the value in the clear
	}{
		{name: "unset", wantFound: false},
		{name: "plain", ops: []op{{set: true, value: "https://api.example"}}, want: "https://api.example", wantFound: true, wantRaw: true},
		{name: "secret", ops: []op{{set: true, value: "s3cret-VALUE", secret: true}}, want: "s3cret-VALUE", wantFound: true},
		{name: "empty value is set", ops: []op{{set: true, value: ""}}, want: "", wantFound: true, wantRaw: true},
		{name: "secret replaced by plain", ops: []op{{set: true, value: "a", secret: true}, {set: true, value: "b"}}, want: "b", wantFound: true, wantRaw: true},
		{name: "plain replaced by secret", ops: []op{{set: true, value: "a"}, {set: true, value: "b", secret: true}}, want: "b", wantFound: true},
		{name: "deleted", ops: []op{{set: true, value: "a", secret: true}, {}}, wantFound: false},
		{name: "delete unset is fine", ops: []op{{}}, wantFound: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFixture(t)
			ctx := ctxT(t)
			const key = "client_secret.us"
			for _, o := range tt.ops {
				var err error
				if o.set {
					err = f.s.SetSetting(ctx, key, o.value, o.secret)
				} else {
					err = f.s.DeleteSetting(ctx, key)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			got, found, err := f.s.Setting(ctx, key)
			if err != nil || got != tt.want || found != tt.wantFound {
				t.Fatalf("Setting = %q, %v, %v; want %q, %v", got, found, err, tt.want, tt.wantFound)
			}
			if !found {
				return
			}
			var raw []byte
			if err := f.s.db.QueryRow(`SELECT value FROM settings WHERE key = ?`, key).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if clear := bytes.Equal(raw, []byte(tt.want)); clear != tt.wantRaw {
				t.Errorf("raw value %q: in the clear = %v, want %v", raw, clear, tt.wantRaw)
			}
		})
	}
	t.Run("empty key", func(t *testing.T) {
		f := openFixture(t)
		if err := f.s.SetSetting(ctxT(t), "", "v", false); err == nil {
			t.Fatal("empty key accepted")
		}
	})
}

func TestSettingsWithPrefix(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	f := openFixture(t)
	for _, kv := range []struct {
		k, v   string
		secret bool
	}{{"env.us.client_id", "cid", false}, {"env.us.client_secret", "shh", true}, {"env.us-snd.client_id", "other", false}, {"env.u", "short", false}} {
		if err := f.s.SetSetting(ctx, kv.k, kv.v, kv.secret); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.s.SettingsWithPrefix(ctx, "env.us.")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"env.us.client_id": "cid", "env.us.client_secret": "shh"}
	if len(got) != len(want) || got["env.us.client_id"] != "cid" || got["env.us.client_secret"] != "shh" {
		t.Errorf("SettingsWithPrefix = %v, want %v", got, want)
	}
}
