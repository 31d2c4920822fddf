package api

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Sequence is the GraphQL Sequence scalar: a stream sequence, which does
// not fit GraphQL's 32-bit Int.
type Sequence uint64

func (Sequence) ImplementsGraphQLType(name string) bool { return name == "Sequence" }

func (s *Sequence) UnmarshalGraphQL(input any) error {
	switch v := input.(type) {
	case int32:
		if v < 0 {
			return fmt.Errorf("sequence %d is negative", v)
		}
		*s = Sequence(v)
	case int64:
		if v < 0 {
			return fmt.Errorf("sequence %d is negative", v)
		}
		*s = Sequence(v)
	case float64:
		if v < 0 || v != math.Trunc(v) || v > 1<<53 {
			return fmt.Errorf("sequence %v is not a whole non-negative number", v)
		}
		*s = Sequence(v)
	case string:
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("sequence %q is not a number", v)
		}
		*s = Sequence(n)
	default:
		return fmt.Errorf("sequence must be a number, got %T", input)
	}
	return nil
}

func (s Sequence) MarshalJSON() ([]byte, error) { return json.Marshal(uint64(s)) }
