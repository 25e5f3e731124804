package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/importer"
	"github.com/rtgs/sales-automation/internal/imports"
	"github.com/rtgs/sales-automation/jobs"
)

// importPath is the one route whose body streams past API_BODY_LIMIT.
const importPath = "/api/v1/contacts/import"

// importUploadTimeout bounds one upload as a whole; each read must also
// make progress within API_REQUEST_TIMEOUT.
const importUploadTimeout = time.Hour

// ImportRequest is an upload: the body is the file itself, never held in
// memory, up to API_IMPORT_MAX_BYTES.
type ImportRequest struct {
	Format         string `query:"format" enum:"csv,jsonl" doc:"Syntax of the body; default from Content-Type (text/csv, application/x-ndjson, application/jsonl)."`
	Mapping        string `query:"mapping" maxLength:"16384" doc:"JSON object mapping CSV header names (or JSON keys) to fields: email, first_name, last_name, title, seniority, phone, linkedin_url, company_name, domain, country, timezone, tags, source, or \"ignore\". Common spellings are recognised without it."`
	Delimiter      string `query:"delimiter" maxLength:"3" doc:"CSV separator, one character (\"tab\" or \\t for a tab); sniffed from the header among , ; tab | when absent."`
	Filename       string `query:"filename" maxLength:"255" doc:"Name shown in the import's progress."`
	ContentType    string `header:"Content-Type"`
	IdempotencyKey string `header:"Idempotency-Key" doc:"A retry with the same key and the same file returns the first import (Idempotent-Replayed: true); the same key with another file is a 422. Kept with the import for 24 hours."`
}

// ImportRef is an accepted import and where to watch it.
type ImportRef struct {
	ID       uuid.UUID `json:"id"`
	Status   string    `json:"status" enum:"queued,running,completed,failed"`
	Location string    `json:"location"`
}

// ImportAcceptedResponse answers an upload.
type ImportAcceptedResponse struct {
	Location string `header:"Location"`
	Replayed string `header:"Idempotent-Replayed"`
	Body     ImportRef
}

// Import is an import's progress.
type Import struct {
	ID                 uuid.UUID                `json:"id"`
	Status             string                   `json:"status" enum:"queued,running,completed,failed"`
	Format             string                   `json:"format" enum:"csv,jsonl"`
	Filename           string                   `json:"filename"`
	Mapping            map[string]imports.Field `json:"mapping,omitempty"`
	Bytes              int64                    `json:"bytes" doc:"Size of the upload."`
	RowsRead           int64                    `json:"rows_read" doc:"Records read, valid or not."`
	Inserted           int64                    `json:"inserted" doc:"New contacts."`
	Updated            int64                    `json:"updated" doc:"Existing contacts that gained or changed a value, a repeat of an address within the file included."`
	Skipped            int64                    `json:"skipped" doc:"Valid rows that wrote nothing: suppressed, or no new value for an existing contact."`
	Invalid            int64                    `json:"invalid" doc:"Records refused whole (see the errors)."`
	EnrichmentEnqueued int64                    `json:"enrichment_enqueued" doc:"Enrichment jobs queued for new contacts and updated ones whose enrichment is stale or not done."`
	Error              string                   `json:"error,omitempty" doc:"Why a failed import failed."`
	CreatedAt          time.Time                `json:"created_at"`
	StartedAt          *time.Time               `json:"started_at,omitempty"`
	FinishedAt         *time.Time               `json:"finished_at,omitempty"`
}

// ImportResponse is one import.
type ImportResponse struct {
	Body Import
}

// ImportListRequest pages through imports.
type ImportListRequest struct {
	SortParams
	PageParams
}

// ImportListResponse is a page of imports.
type ImportListResponse struct {
	Body struct {
		Items      []Import `json:"items"`
		NextCursor string   `json:"next_cursor,omitempty"`
	}
}

// ImportIDParam names one import.
type ImportIDParam struct {
	ID uuid.UUID `path:"id" doc:"Import id"`
}

// ImportErrorsRequest pages through an import's row errors.
type ImportErrorsRequest struct {
	ID uuid.UUID `path:"id" doc:"Import id"`
	PageParams
}

// ImportErrorsResponse is a page of row errors, in row order.
type ImportErrorsResponse struct {
	Body struct {
		Items      []imports.RowError `json:"items"`
		NextCursor string             `json:"next_cursor,omitempty"`
	}
}

func (s *Server) registerImports() {
	svc := importer.New(s.pool, contacts.NewHasher([]byte(s.cfg.SuppressionKey.Reveal())),
		importer.Config{IdempotencyTTL: idempotencyTTL}, s.logger)
	read := map[string]any{metaScope: auth.ContactsRead}
	write := map[string]any{metaScope: auth.ContactsWrite}
	tags := []string{"imports"}
	register(s, huma.Operation{
		OperationID: "import-contacts", Method: http.MethodPost, Path: importPath,
		Summary: "Import contacts from a CSV or JSON Lines file", Tags: tags, Metadata: write,
		DefaultStatus: http.StatusAccepted,
		Description: "The body is the file, streamed to the database as it arrives (never held in memory) up to " +
			"API_IMPORT_MAX_BYTES (413 past it). The header is checked first: an empty file, a header without an email " +
			"column (send a mapping) or a bad delimiter is a 422 and nothing is stored. The upload, its import and its " +
			"job are stored in one transaction, so a truncated upload leaves nothing. Rows are then processed by the " +
			"import_contacts job: watch GET /api/v1/imports/{id}.",
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"text/csv":             {Schema: &huma.Schema{Type: huma.TypeString}},
			"application/x-ndjson": {Schema: &huma.Schema{Type: huma.TypeString}},
			"application/jsonl":    {Schema: &huma.Schema{Type: huma.TypeString}},
		}},
	}, func(ctx context.Context, in *ImportRequest) (*ImportAcceptedResponse, error) {
		return s.acceptImport(ctx, svc, in)
	})
	register(s, huma.Operation{
		OperationID: "get-import", Method: http.MethodGet, Path: "/api/v1/imports/{id}",
		Summary: "Get an import's progress", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *ImportIDParam) (*ImportResponse, error) {
		imp, err := svc.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &ImportResponse{Body: importView(imp)}, nil
	})
	register(s, huma.Operation{
		OperationID: "list-imports", Method: http.MethodGet, Path: "/api/v1/imports",
		Summary: "List imports", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *ImportListRequest) (*ImportListResponse, error) {
		page, err := in.page(in.PageParams)
		if err != nil {
			return nil, err
		}
		rows, err := svc.List(ctx, page)
		if err != nil {
			return nil, err
		}
		out := &ImportListResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit, importView,
			func(i importer.Import) string { return in.next(i.CreatedAt, i.ID) })
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "list-import-errors", Method: http.MethodGet, Path: "/api/v1/imports/{id}/errors",
		Summary: "List an import's row errors", Tags: tags, Metadata: read,
		Description: "Row number (1-based, header not counted), field (empty for the row as a whole) and reason. " +
			"Reasons never quote the value.",
	}, func(ctx context.Context, in *ImportErrorsRequest) (*ImportErrorsResponse, error) {
		after, err := decodeErrorCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		rows, err := svc.Errors(ctx, in.ID, after, in.Limit+1)
		if err != nil {
			return nil, err
		}
		out := &ImportErrorsResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit,
			func(e imports.RowError) imports.RowError { return e }, encodeErrorCursor)
		return out, nil
	})
}

// acceptImport streams the body into the importer. The request's own
// deadline is for ordinary requests; an upload may take longer, so it runs
// under importUploadTimeout while every read must progress within the
// request timeout.
func (s *Server) acceptImport(ctx context.Context, svc *importer.Service, in *ImportRequest) (*ImportAcceptedResponse, error) {
	c := fiberCtx(ctx)
	u := importer.Upload{Filename: strings.Clone(in.Filename), MaxBytes: int64(s.cfg.ImportMaxBytes), Declared: -1}
	var err error
	if u.Format, err = importFormat(in.Format, in.ContentType); err != nil {
		return nil, err
	}
	if u.Mapping, err = parseMapping(in.Mapping); err != nil {
		return nil, err
	}
	if u.Delimiter, err = parseDelimiter(in.Delimiter); err != nil {
		return nil, err
	}
	if in.IdempotencyKey != "" {
		if err := checkIdempotencyKey(in.IdempotencyKey); err != nil {
			return nil, err
		}
		p, ok := auth.PrincipalFrom(ctx)
		if ok {
			u.APIKeyID, u.IdempotencyKey = &p.KeyID, strings.Clone(in.IdempotencyKey)
		}
	}
	if n := c.Request().Header.ContentLength(); n >= 0 {
		u.Declared = int64(n)
	}
	var body io.Reader = c.Request().BodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	stream := &uploadStream{r: body, conn: c.Context().Conn(), idle: s.cfg.RequestTimeout, chunked: u.Declared < 0}
	u.Body = stream

	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), importUploadTimeout)
	defer cancel()
	imp, replayed, err := svc.Accept(uctx, u, func(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
		_, err := s.river.InsertTx(ctx, tx, jobs.ImportContactsArgs{ImportID: id}, nil)
		return err
	})
	if err != nil || stream.closeConn {
		// The rest of the body may still be on the wire, or a byte of the
		// next request was read: this connection cannot carry another.
		c.Context().SetConnectionClose()
	}
	if err != nil {
		return nil, importError(err, u.MaxBytes)
	}
	loc := "/api/v1/imports/" + imp.ID.String()
	out := &ImportAcceptedResponse{Location: loc, Body: ImportRef{ID: imp.ID, Status: imp.Status, Location: loc}}
	if replayed {
		out.Replayed = "true"
	}
	return out, nil
}

func importError(err error, limit int64) error {
	switch {
	case errors.Is(err, importer.ErrTooLarge):
		return problem(http.StatusRequestEntityTooLarge, codeTooLarge,
			fmt.Sprintf("the upload exceeds the import limit of %d bytes; nothing was stored", limit))
	case errors.Is(err, importer.ErrTruncated):
		return problem(http.StatusBadRequest, codeInvalid, "the upload ended before its declared length; nothing was stored")
	case errors.Is(err, importer.ErrKeyReused):
		return problem(http.StatusUnprocessableEntity, codeConflict, "Idempotency-Key was already used with a different request",
			&huma.ErrorDetail{Location: "header." + headerIdempotencyKey, Message: "reused with a different file or options"})
	}
	return err
}

// importFormat takes ?format, else the Content-Type.
func importFormat(format, contentType string) (imports.Format, error) {
	if format != "" {
		return imports.ParseFormat(format)
	}
	f, err := imports.ParseFormat(contentType)
	if err != nil {
		return 0, problem(http.StatusUnsupportedMediaType, codeInvalid, "send CSV or JSON Lines",
			&huma.ErrorDetail{Location: "header.Content-Type", Message: "use text/csv, application/x-ndjson or application/jsonl, or set ?format=csv|jsonl", Value: contentType})
	}
	return f, nil
}

// parseMapping reads ?mapping; "ignore" drops a column. Unknown fields are
// refused by the importer, naming them.
func parseMapping(s string) (map[string]imports.Field, error) {
	if s == "" {
		return nil, nil
	}
	var raw map[string]string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		v := &contacts.ValidationError{In: "query"}
		v.Add("mapping", "not a JSON object of column names to field names")
		return nil, v
	}
	m := make(map[string]imports.Field, len(raw))
	for k, f := range raw {
		if f == "ignore" {
			f = string(imports.FieldIgnore)
		}
		m[k] = imports.Field(f)
	}
	return m, nil
}

func parseDelimiter(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case "tab", `\t`:
		return '\t', nil
	}
	if utf8.RuneCountInString(s) != 1 {
		v := &contacts.ValidationError{In: "query"}
		v.Add("delimiter", "must be one character, or \"tab\"")
		return 0, v
	}
	r, _ := utf8.DecodeRuneInString(s)
	return r, nil
}

type errorCursor struct {
	R int64  `json:"r"`
	F string `json:"f"`
}

func decodeErrorCursor(s string) (*importer.ErrorCursor, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	var c errorCursor
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil || c.R < 1 {
		return nil, badCursor(s)
	}
	return &importer.ErrorCursor{Row: c.R, Field: c.F}, nil
}

func encodeErrorCursor(e imports.RowError) string {
	raw, _ := json.Marshal(errorCursor{R: e.Row, F: e.Field})
	return base64.RawURLEncoding.EncodeToString(raw)
}

func importView(i importer.Import) Import {
	return Import{
		ID: i.ID, Status: i.Status, Format: i.Format, Filename: i.Filename, Mapping: i.Mapping, Bytes: i.Bytes,
		RowsRead: i.RowsRead, Inserted: i.Inserted, Updated: i.Updated, Skipped: i.Skipped, Invalid: i.Invalid,
		EnrichmentEnqueued: i.EnrichmentEnqueued, Error: i.Error, CreatedAt: i.CreatedAt, StartedAt: i.StartedAt,
		FinishedAt: i.FinishedAt,
	}
}

// uploadStream is the body of an upload as it arrives. It moves the
// connection's read deadline before every read, so an upload may take as
// long as it keeps sending while a client that stalls is cut off after
// idle. And it tells a chunked body that ends without its last (empty)
// chunk from a complete one, which fasthttp does not: both read as io.EOF,
// but only the cut one has the connection at its end.
type uploadStream struct {
	r       io.Reader
	conn    net.Conn
	idle    time.Duration
	chunked bool
	// closeConn is set when probing the connection consumed bytes of a
	// next request: the connection must then close after the response.
	closeConn bool
}

func (u *uploadStream) Read(b []byte) (int, error) {
	if u.conn != nil && u.idle > 0 {
		_ = u.conn.SetReadDeadline(time.Now().Add(u.idle))
	}
	n, err := u.r.Read(b)
	if errors.Is(err, io.EOF) && u.chunked && u.conn != nil && u.peerGone() {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// peerGone reports whether the client closed its side: a complete chunked
// request leaves it waiting for the response, so a read finds nothing.
func (u *uploadStream) peerGone() bool {
	_ = u.conn.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
	var one [1]byte
	n, err := u.conn.Read(one[:])
	if n > 0 {
		u.closeConn = true
	}
	return errors.Is(err, io.EOF)
}
