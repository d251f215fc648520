package mailpit_test

import (
	"context"
	"fmt"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDelivery sends a message over SMTP, authenticated, and reads it back
// through the API.
func TestDelivery(t *testing.T) {
	ctx := context.Background()
	to := fmt.Sprintf("ops-%d@example.com", time.Now().UnixNano())
	msg := "From: alerts@example.com\r\nTo: " + to + "\r\nSubject: PodCrash in demo\r\n\r\nweb-0 restarts\r\n"
	host := strings.Split(server.SMTPAddress(), ":")[0]
	auth := smtp.PlainAuth("", "user", "password", host)
	require.NoError(t, smtp.SendMail(server.SMTPAddress(), auth, "alerts@example.com", []string{to}, []byte(msg)))

	msgs, err := server.Messages(ctx, to)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.Equal(t, "PodCrash in demo", msgs[0].Subject)
	assert.Equal(t, to, msgs[0].To[0].Address)
	full, err := server.Message(ctx, msgs[0].ID)
	require.NoError(t, err)
	assert.Contains(t, full.Text, "web-0 restarts")
	headers, err := server.Headers(ctx, msgs[0].ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"PodCrash in demo"}, headers["Subject"])

	other, err := server.Messages(ctx, "nobody@example.com")
	require.NoError(t, err)
	assert.Empty(t, other)
	_, err = server.Message(ctx, "no-such-id")
	require.Error(t, err)
}
