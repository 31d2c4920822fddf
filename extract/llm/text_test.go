package llm

import "testing"

func TestLocate(t *testing.T) {
	text := "He said “no.”  Twice.\nTikTok is owned by\nByteDance — for now. TikTok is owned by\nByteDance — for now."
	d := &docText{text: text}
	tests := []struct {
		evidence string
		near     int
		want     string
		start    int // byte offset, -1 for not found
	}{
		{"Twice.", 0, "Twice.", 19},
		{`He said "no." Twice.`, 0, "He said “no.”  Twice.", 0},
		{"  TikTok is owned by ByteDance - for now. ", 0, "TikTok is owned by\nByteDance — for now.", 26},
		{"TikTok is owned by ByteDance - for now.", 40, "TikTok is owned by\nByteDance — for now.", 68},
		{"tiktok is owned by ByteDance", 0, "", -1},
		{"TikTok is owned by ByteDance, for now.", 0, "", -1},
		{"", 0, "", -1},
	}
	for _, tt := range tests {
		s, e, ok := d.locate(tt.evidence, tt.near)
		if tt.start < 0 {
			if ok {
				t.Errorf("locate(%q) found %q", tt.evidence, text[s:e])
			}
			continue
		}
		if !ok || s != tt.start || text[s:e] != tt.want {
			t.Errorf("locate(%q, %d) = %d %q %v, want %d %q", tt.evidence, tt.near, s, text[s:e], ok, tt.start, tt.want)
		}
	}
}

func TestFindAndCount(t *testing.T) {
	d := &docText{text: "The focus of U.S. policy is ByteDance's app.\nThe  Hague Center says BYTEDANCE and ByteDance Ltd. differ. 微信由腾讯运营。"}
	for name, want := range map[string]string{
		"bytedance":        "ByteDance",
		"The Hague Center": "The  Hague Center",
		"US":               "US", // through names.Key: "U.S."
		"腾讯":               "腾讯",
		"ByteDance Ltd":    "ByteDance Ltd",
	} {
		if got, ok := d.find(name); !ok || got != want {
			t.Errorf("find(%q) = %q %v, want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"Focu", "Dance", "Hague Centers", "", "."} {
		if got, ok := d.find(name); ok {
			t.Errorf("find(%q) = %q", name, got)
		}
	}
	for name, want := range map[string]int{"ByteDance": 3, "US": 1, "腾讯": 1, "Microsoft": 0} {
		if got := d.count(name); got != want {
			t.Errorf("count(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestIsName(t *testing.T) {
	for s, want := range map[string]bool{
		"ByteDance": true, "5G": true, "eBay": true, "腾讯": true, "Ärztekasse": true,
		"the company": false, "he": false, "users": false, "": false,
	} {
		if isName(s) != want {
			t.Errorf("isName(%q) = %v", s, !want)
		}
	}
}
