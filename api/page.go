package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/store"
)

// PageParams are the cursor-pagination query parameters every list shares.
type PageParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Items per page."`
	Cursor string `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page."`
}

type cursorJSON struct {
	T time.Time `json:"t"`
	I uuid.UUID `json:"i"`
}

// decode reads the cursor; a malformed one is a 400 naming the parameter.
func (p PageParams) decode() (*store.Cursor, error) {
	if p.Cursor == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	var c cursorJSON
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil || c.I == uuid.Nil || c.T.IsZero() {
		return nil, badCursor(p.Cursor)
	}
	return &store.Cursor{CreatedAt: c.T, ID: c.I}, nil
}

func encodeCursor(c store.Cursor) string {
	raw, _ := json.Marshal(cursorJSON{T: c.CreatedAt, I: c.ID})
	return base64.RawURLEncoding.EncodeToString(raw)
}

func badCursor(v string) error {
	return problem(http.StatusBadRequest, codeInvalid, "invalid cursor",
		&huma.ErrorDetail{Location: "query.cursor", Message: "not a cursor returned by this list", Value: v})
}

// trimPage turns rows fetched with limit+1 into at most limit views and, when
// the extra row shows there is more, the cursor of the next page taken from
// the last row kept.
func trimPage[R, V any](rows []R, limit int, view func(R) V, cursor func(R) string) (items []V, next string) {
	items = make([]V, 0, min(len(rows), limit))
	for i, r := range rows {
		if i == limit {
			return items, cursor(rows[i-1])
		}
		items = append(items, view(r))
	}
	return items, ""
}
