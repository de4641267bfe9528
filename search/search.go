// Package search keeps the Bleve index that answers licensedesk's text and
// wildcard searches. The index is derived data: bbolt is the truth, and the
// index stores the last change sequence it applied so the caller can replay
// what it missed or rebuild it from scratch.
package search

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	"github.com/blevesearch/bleve/v2/analysis/token/ngram"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion changes whenever the mapping or the document shape
// changes; an index built with another version is rebuilt on open.
const MappingVersion = "6"

// Doc is one searchable record. Keyword fields (Key, IP, Order) are matched
// whole or by wildcard, case-insensitively; text fields are analysed words.
type Doc struct {
	Type     string `json:"type"`  // "license", "product", "partner"
	Owner    string `json:"owner"` // owning partner id; "" for operator-only records
	Key      string `json:"key"`
	IP       string `json:"ip"`
	Order    string `json:"order"`
	Name     string `json:"name"`
	Notes    string `json:"notes"`
	Customer string `json:"customer"`
	Status   string `json:"status"`  // filter field
	Product  string `json:"product"` // filter field
	// Grams holds Key, IP and Order again for the trigram field: an
	// infix wildcard becomes term lookups instead of a dictionary scan.
	Grams []string `json:"grams"`
	// NoGrams leaves the trigram field empty, for a type whose infix
	// searches the caller answers itself (a query of that type sets
	// Query.NoGrams): trigrams are most of a document's terms, so most
	// of the cost of indexing it.
	NoGrams bool `json:"-"`
}

// keyword fields are stored upper-cased; wildcard queries are not
// analysed, so the query is upper-cased the same way. The key is also
// stored without dashes, as queries on it are compacted (a partner's
// P-ABCD-EFGH or a product code like antivirus-pro is found however the
// dashes are typed).
func (d Doc) normalised() Doc {
	d.Key = compactKey(strings.ToUpper(d.Key))
	d.IP = strings.ToUpper(d.IP)
	d.Order = strings.ToUpper(d.Order)
	d.Grams = d.Grams[:0:0]
	if d.NoGrams {
		return d
	}
	for _, v := range []string{d.Key, d.IP, d.Order} {
		if len(v) >= gramLen {
			d.Grams = append(d.Grams, v)
		}
	}
	return d
}

var keywordFields = []string{"key", "ip", "order"}

// Trigrams of the keyword fields.
const (
	gramLen      = 3
	gramFilter   = "ld_trigram"
	gramAnalyzer = "ld_grams"
)

var textFields = []string{"name", "notes", "customer"}

func newMapping() mapping.IndexMapping {
	kw := bleve.NewTextFieldMapping()
	kw.Analyzer = keyword.Name
	kw.Store = false
	kw.IncludeInAll = false
	kw.IncludeTermVectors = false
	kw.DocValues = false // we never sort or facet in Bleve
	txt := bleve.NewTextFieldMapping()
	txt.Analyzer = standard.Name
	txt.Store = false
	txt.IncludeInAll = false
	txt.IncludeTermVectors = false
	txt.DocValues = false // we never sort or facet in Bleve
	grams := bleve.NewTextFieldMapping()
	grams.Analyzer = gramAnalyzer
	grams.Store = false
	grams.IncludeInAll = false
	grams.IncludeTermVectors = false
	grams.DocValues = false // we never sort or facet in Bleve
	doc := bleve.NewDocumentMapping()
	doc.AddFieldMappingsAt("grams", grams)
	for _, f := range append([]string{"type", "owner", "status", "product"}, keywordFields...) {
		doc.AddFieldMappingsAt(f, kw)
	}
	for _, f := range textFields {
		doc.AddFieldMappingsAt(f, txt)
	}
	// No field goes into Bleve's composite _all field and every query
	// names its fields: without this the mapping still builds an empty
	// _all for each document (≈ 6 % of the CPU of indexing a bulk
	// import, measured on BenchmarkCSVImport).
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	m := bleve.NewIndexMapping()
	if err := m.AddCustomTokenFilter(gramFilter, map[string]interface{}{"type": ngram.Name, "min": float64(gramLen), "max": float64(gramLen)}); err != nil {
		panic(err)
	}
	if err := m.AddCustomAnalyzer(gramAnalyzer, map[string]interface{}{"type": custom.Name, "tokenizer": single.Name, "token_filters": []string{gramFilter}}); err != nil {
		panic(err)
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = standard.Name
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// Index is an open Bleve index. Its methods are safe for concurrent use;
// Replace swaps in a rebuilt index under searches in flight.
type Index struct {
	mu  sync.RWMutex
	idx bleve.Index
	dir string
}

var (
	keyApplied = []byte("applied_seq")
	keyMapping = []byte("mapping_version")
)

// ErrStale means the index must be rebuilt: it was missing, unreadable or
// built with another mapping.
var ErrStale = errors.New("search index must be rebuilt")

var openConfig = map[string]interface{}{"bolt_timeout": "2s"}

// Open opens the index in dir. It returns ErrStale (with a usable, empty
// index) when the index was missing, corrupt or of another mapping version;
// the caller then rebuilds it.
//
// A damaged segment file (its checksum does not match, or Bleve fails or
// panics opening or reading it) counts as corrupt: the index is derived
// data and is rebuilt rather than trusted.
func Open(dir string) (*Index, error) {
	err := verifySegments(dir)
	var idx bleve.Index
	if err == nil {
		idx, err = guard(func() (bleve.Index, error) { return bleve.OpenUsing(dir, openConfig) })
	}
	if err == nil {
		v, gerr := guard(func() ([]byte, error) { return idx.GetInternal(keyMapping) })
		if gerr == nil && string(v) == MappingVersion && probe(idx) == nil {
			return &Index{idx: idx, dir: dir}, nil
		}
		guard(func() (struct{}, error) { return struct{}{}, idx.Close() })
	}
	if err != nil && strings.Contains(err.Error(), "timeout") {
		return nil, fmt.Errorf("the search index %s is in use by another process", dir)
	}
	// Missing, corrupt or outdated: start empty.
	if rerr := os.RemoveAll(dir); rerr != nil {
		return nil, fmt.Errorf("remove stale search index: %w", rerr)
	}
	fresh, cerr := create(dir)
	if cerr != nil {
		return nil, cerr
	}
	return &Index{idx: fresh, dir: dir}, ErrStale
}

func create(dir string) (bleve.Index, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, err
	}
	// NewUsing writes path, create_if_missing and error_if_exists into
	// the config it is given: pass a copy, or every later OpenUsing with
	// openConfig would open this index's store instead of its own.
	idx, err := bleve.NewUsing(dir, newMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, maps.Clone(openConfig))
	if err != nil {
		return nil, fmt.Errorf("create search index %s: %w", dir, err)
	}
	if err := idx.SetInternal(keyMapping, []byte(MappingVersion)); err != nil {
		idx.Close()
		return nil, err
	}
	return idx, nil
}

// Close closes the index.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.idx == nil {
		return nil
	}
	err := x.idx.Close()
	x.idx = nil
	return err
}

// Applied is the last change sequence the index holds.
func (x *Index) Applied() uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.idx == nil {
		return 0
	}
	return applied(x.idx)
}

func applied(idx bleve.Index) uint64 {
	v, err := guard(func() ([]byte, error) { return idx.GetInternal(keyApplied) })
	if err != nil || len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// Op is one index change: Doc nil deletes ID.
type Op struct {
	ID  string
	Doc *Doc
}

// Apply writes ops and records seq as applied, durably, in one batch.
func (x *Index) Apply(ops []Op, seq uint64) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.idx == nil {
		return fmt.Errorf("%w: the index is closed", ErrDamaged)
	}
	_, err := guard(func() (struct{}, error) { return struct{}{}, apply(x.idx, ops, seq) })
	return err
}

// apply writes ops; with record it also stores seq as applied, in the
// same batch.
func apply(idx bleve.Index, ops []Op, seq uint64) error {
	return applyBatch(idx, ops, seq, true)
}

func applyBatch(idx bleve.Index, ops []Op, seq uint64, record bool) error {
	b := idx.NewBatch()
	for _, op := range ops {
		if op.Doc == nil {
			b.Delete(op.ID)
			continue
		}
		if err := b.Index(op.ID, op.Doc.normalised()); err != nil {
			return err
		}
	}
	if record {
		b.SetInternal(keyApplied, binary.BigEndian.AppendUint64(nil, seq))
	}
	return idx.Batch(b)
}

// DocCount is the number of documents in the index.
func (x *Index) DocCount() (uint64, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.idx == nil {
		return 0, fmt.Errorf("%w: the index is closed", ErrDamaged)
	}
	return guard(x.idx.DocCount)
}
