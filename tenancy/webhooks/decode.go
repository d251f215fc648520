package webhooks

import (
	"encoding/json"
	"fmt"
)

func decodeRaw(raw []byte, into any) error {
	if len(raw) == 0 {
		return fmt.Errorf("admission request carries no object")
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("decode object: %w", err)
	}
	return nil
}
