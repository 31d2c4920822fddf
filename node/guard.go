package node

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
)

// hostGuard answers 421 to a request addressed to a host not in allowed
// (none: any host).
func hostGuard(allowed []string, h http.Handler) http.Handler {
	if len(allowed) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hn, _, err := net.SplitHostPort(host); err == nil {
			host = hn
		}
		host = strings.Trim(host, "[]")
		if !slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, host) }) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMisdirectedRequest)
			fmt.Fprintf(w, `{"errors":[{"message":%q,"extensions":{"code":"BAD_REQUEST"}}]}`+"\n",
				fmt.Sprintf("this server answers to %s, not %q (a guard against DNS rebinding); serve --allowed-host adds a name", strings.Join(allowed, ", "), host))
			return
		}
		h.ServeHTTP(w, r)
	})
}
