//go:build !unix

package graph

// lockDir cannot take Badger's lock here: the tables are checked
// unlocked, which is safe as long as no other process opens the store
// meanwhile (Badger's own lock then refuses it).
func lockDir(string) (unlock func(), err error) { return func() {}, nil }
