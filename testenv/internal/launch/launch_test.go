package launch

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

type one struct{}

func (one) ServerName() string { return "one" }

type two struct{}

func (two) ServerName() string { return "two" }

func TestStartError(t *testing.T) {
	cause := errors.New("exited")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no log", &StartError[one]{Err: cause}, "one: start: exited"},
		{"log", &StartError[two]{LogTail: "a\nb", Err: cause}, "two: start: exited; last log lines:\na\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
			assert.ErrorIs(t, tt.err, cause)
		})
	}
}

// Each server package's StartError stays a type of its own for errors.As.
func TestStartErrorTypesDiffer(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &StartError[one]{Err: errors.New("x")})
	var mine *StartError[one]
	var other *StartError[two]
	assert.ErrorAs(t, err, &mine)
	assert.False(t, errors.As(err, &other))
}

func TestLogTailOfNilServer(t *testing.T) {
	var s *Server
	assert.Empty(t, s.LogTail())
}
