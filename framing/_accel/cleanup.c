/* The lean model's text clean-up (framing/scoring/text_cleanup.py), compiled.
 *
 * - marker_lines: the lines of a text's lower-cased form holding each of a set of literal markers
 *   (`_pure_marker_lines`), in one walk over the text, A-Z lower-cased as it is read, instead of
 *   str.lower and one search per marker;
 * - remove_phrases: `TextPreprocess._phrase_re.sub(" ", text)`, the literal phrases removed where
 *   they stand as whole words (`(?<![\w@])(?:phrases, longest first)(?!\w)`).
 *
 * Both walk the text once over an index of the literals by first character. Bitmaps of their
 * first three characters (by low bytes, hashed) pass over most positions at the cost of a few
 * reads; at a position they let through, only the literals starting with that character are compared (3x
 * faster than the 53 searches of `in` over an ABP article, 4x faster than the regex). Every read
 * is bounded by the lengths of the text and of the literal.
 *
 * - TokenTypes: the cleaned texts' tokens as the lean model reads them (`text.lower()`, then
 *   `re.findall(r"(?u)\b[^\W\d_][^\W\d_]+\b")`, framing/scoring/ngram_model.py) turned into the
 *   numbers `NgramCounter` gave their types (framing/scoring/ngram_counts.py, `letter_run_counts`),
 *   looked up in a hash table of the types' code points kept beside the counter's dict: no str is
 *   built for a token of a known type (building and hashing them was 2/3 of the lean model's
 *   token work), and a text is lower-cased as it is read when str.lower would change only A-Z in it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "span_buffer.h"
#include "word_chars.h"

/* --- the index of literals by first character ---------------------------------------------- */

typedef struct {
    Py_UCS4 first;
    Py_ssize_t index; /* in the tuple of literals */
} Head;

typedef struct {
    Head *heads; /* sorted by first character */
    Py_ssize_t n_heads;
    Py_ssize_t by_byte[257]; /* heads[by_byte[c]:by_byte[c + 1]] start with c, for c < 256 */
    /* the filter, by low bytes: the characters of the one-character literals, the pairs of the
     * two-character ones, a hash of the first three characters of the others */
    unsigned char singles[256 / 8], *pairs, *triples;
} Index;

enum { FILTER_BYTES = 65536 / 8 };

static inline unsigned triple_hash(Py_UCS4 c0, Py_UCS4 c1, Py_UCS4 c2)
{
    return ((c0 & 255) << 8 ^ (c1 & 255) << 4 ^ (c2 & 255) * 41u) & 65535;
}

static void index_free(Index *x)
{
    PyMem_Free(x->heads);
    PyMem_Free(x->pairs);
    x->heads = NULL;
    x->pairs = NULL; /* triples: the second half of the same allocation */
}

/* Fills the by-byte ranges and the filter of x->heads[:n_heads] (already sorted); -1 on error. */
static int index_finish(Index *x, PyObject *literals)
{
    Py_ssize_t k, c;
    x->pairs = PyMem_Calloc(2 * FILTER_BYTES, 1);
    x->triples = x->pairs + FILTER_BYTES;
    if (!x->pairs) {
        PyErr_NoMemory();
        return -1;
    }
    memset(x->singles, 0, sizeof(x->singles));
    for (c = 0, k = 0; c <= 256; c++) {
        while (k < x->n_heads && x->heads[k].first < (Py_UCS4)c)
            k++;
        x->by_byte[c] = k;
    }
    for (k = 0; k < x->n_heads; k++) {
        PyObject *literal = PyTuple_GET_ITEM(literals, x->heads[k].index);
        unsigned first = x->heads[k].first & 255;
        Py_ssize_t m = PyUnicode_GET_LENGTH(literal);
        if (m == 1)
            x->singles[first >> 3] |= (unsigned char)(1u << (first & 7));
        else if (m == 2) {
            unsigned pair = first << 8 | (PyUnicode_READ_CHAR(literal, 1) & 255);
            x->pairs[pair >> 3] |= (unsigned char)(1u << (pair & 7));
        }
        else {
            unsigned triple = triple_hash(first, PyUnicode_READ_CHAR(literal, 1), PyUnicode_READ_CHAR(literal, 2));
            x->triples[triple >> 3] |= (unsigned char)(1u << (triple & 7));
        }
    }
    return 0;
}

/* Whether a literal may start at i (a false positive only costs the exact tests). */
static inline int index_candidate(const Index *x, int kind, const void *data, Py_ssize_t n, Py_ssize_t i)
{
    /* (a literal longer than what is left of the text cannot start here) */
    unsigned c0 = PyUnicode_READ(kind, data, i) & 255, c1, pair, triple;
    if (x->singles[c0 >> 3] >> (c0 & 7) & 1)
        return 1;
    if (i + 1 >= n)
        return 0;
    c1 = PyUnicode_READ(kind, data, i + 1) & 255;
    pair = c0 << 8 | c1;
    if (x->pairs[pair >> 3] >> (pair & 7) & 1)
        return 1;
    if (i + 2 >= n)
        return 0;
    triple = triple_hash(c0, c1, PyUnicode_READ(kind, data, i + 2));
    return x->triples[triple >> 3] >> (triple & 7) & 1;
}

/* The heads starting with c: x->heads[*lo:*hi] (the heads above 255 are bisected). */
static void index_range(const Index *x, Py_UCS4 c, Py_ssize_t *lo, Py_ssize_t *hi)
{
    Py_ssize_t a, b;
    if (c < 256) {
        *lo = x->by_byte[c];
        *hi = x->by_byte[c + 1];
        return;
    }
    a = x->by_byte[256];
    b = x->n_heads;
    while (a < b) {
        Py_ssize_t mid = a + (b - a) / 2;
        if (x->heads[mid].first < c)
            a = mid + 1;
        else
            b = mid;
    }
    for (b = a; b < x->n_heads && x->heads[b].first == c; b++)
        ;
    *lo = a;
    *hi = b;
}

/* Whether `literal` (of length m >= 1) occurs in text at position i (i + m <= n), its first
 * character already known to match. */
static int occurs_at(int kind, const void *data, Py_ssize_t i, PyObject *literal, Py_ssize_t m)
{
    int lkind = PyUnicode_KIND(literal);
    const void *ldata = PyUnicode_DATA(literal);
    Py_ssize_t k;
    for (k = 1; k < m; k++)
        if (PyUnicode_READ(kind, data, i + k) != PyUnicode_READ(lkind, ldata, k))
            return 0;
    return 1;
}

static int all_str(PyObject *literals, const char *message)
{
    Py_ssize_t k;
    for (k = 0; k < PyTuple_GET_SIZE(literals); k++)
        if (!PyUnicode_Check(PyTuple_GET_ITEM(literals, k))) {
            PyErr_SetString(PyExc_TypeError, message);
            return 0;
        }
    return 1;
}

/* --- marker_lines --------------------------------------------------------------------------- */

static int head_order(const void *a, const void *b)
{
    const Head *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

PyDoc_STRVAR(marker_lines_doc, "marker_lines(text, markers) -> dict[str, list[int]] | None\n\n"
             "The lines of text.lower() (its parts between newlines, numbered from 0) that hold each\n"
             "marker of the tuple `markers` (non-empty str without a newline): {marker: its lines,\n"
             "ascending} for the markers that occur. None when str.lower would change a character of\n"
             "text other than A-Z (A-Z are lower-cased as the text is read).");

static PyObject *cleanup_marker_lines(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *text, *markers, *out = NULL, **lines = NULL;
    Py_ssize_t n, n_markers, i, k, line = 0, *last = NULL;
    Index x = {0};
    void *folded = NULL;
    int kind;
    const void *data;
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "marker_lines(text: str, markers: tuple[str, ...])");
        return NULL;
    }
    text = args[0];
    markers = args[1];
    if (!all_str(markers, "marker_lines: markers must be str"))
        return NULL;
    n_markers = PyTuple_GET_SIZE(markers);
    for (k = 0; k < n_markers; k++) {
        PyObject *marker = PyTuple_GET_ITEM(markers, k);
        Py_ssize_t m = PyUnicode_GET_LENGTH(marker), newline = m ? PyUnicode_FindChar(marker, '\n', 0, m, 1) : 0;
        if (newline == -2)
            return NULL;
        if (m == 0 || newline >= 0) {
            PyErr_SetString(PyExc_ValueError, "marker_lines: a marker is empty or holds a newline");
            return NULL;
        }
    }
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    x.heads = PyMem_Calloc(n_markers ? n_markers : 1, sizeof(Head));
    lines = PyMem_Calloc(n_markers ? n_markers : 1, sizeof(PyObject *));
    last = PyMem_Malloc((n_markers ? n_markers : 1) * sizeof(Py_ssize_t));
    folded = PyMem_Malloc(n ? (size_t)n * (size_t)kind : 1);
    if (!x.heads || !lines || !last || !folded) {
        PyErr_NoMemory();
        goto done;
    }
    /* text.lower(), where str.lower changes only A-Z (see read_tokens_of_kind below) */
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 128) {
            if (c - 'A' < 26u)
                c += 32;
        }
        else if (Py_UNICODE_TOLOWER(c) != c) {
            out = Py_NewRef(Py_None);
            goto done;
        }
        PyUnicode_WRITE(kind, folded, i, c);
    }
    for (k = 0; k < n_markers; k++) {
        PyObject *marker = PyTuple_GET_ITEM(markers, k);
        last[k] = -1;
        if (PyUnicode_GET_LENGTH(marker) <= n) {
            x.heads[x.n_heads].first = PyUnicode_READ_CHAR(marker, 0);
            x.heads[x.n_heads].index = k;
            x.n_heads++;
        }
    }
    qsort(x.heads, (size_t)x.n_heads, sizeof(Head), head_order);
    if (index_finish(&x, markers) < 0)
        goto done;
    for (i = 0; i < n; i++) {
        Py_ssize_t lo, hi, h;
        Py_UCS4 c = PyUnicode_READ(kind, folded, i);
        if (c == '\n') { /* (no marker holds one) */
            line++;
            continue;
        }
        if (!index_candidate(&x, kind, folded, n, i))
            continue;
        index_range(&x, c, &lo, &hi);
        for (h = lo; h < hi; h++) {
            Py_ssize_t index = x.heads[h].index;
            PyObject *marker = PyTuple_GET_ITEM(markers, index), *number;
            Py_ssize_t m = PyUnicode_GET_LENGTH(marker);
            if (last[index] == line || m > n - i || !occurs_at(kind, folded, i, marker, m))
                continue;
            if (!lines[index] && !(lines[index] = PyList_New(0)))
                goto done;
            number = PyLong_FromSsize_t(line);
            if (!number || PyList_Append(lines[index], number) < 0) {
                Py_XDECREF(number);
                goto done;
            }
            Py_DECREF(number);
            last[index] = line;
        }
    }
    out = PyDict_New();
    if (!out)
        goto done;
    for (k = 0; k < n_markers; k++)
        if (lines[k] && PyDict_SetItem(out, PyTuple_GET_ITEM(markers, k), lines[k]) < 0) {
            Py_CLEAR(out);
            goto done;
        }
done:
    if (lines)
        for (k = 0; k < n_markers; k++)
            Py_XDECREF(lines[k]);
    PyMem_Free(lines);
    PyMem_Free(last);
    PyMem_Free(folded);
    index_free(&x);
    return out;
}

/* --- remove_phrases ------------------------------------------------------------------------- */

PyDoc_STRVAR(remove_phrases_doc, "remove_phrases(text, phrases) -> str\n\n"
             "re.sub(r\"(?<![\\w@])(?:<phrases, longest first>)(?!\\w)\", \" \", text): each leftmost phrase\n"
             "standing as whole words replaced by one space. `phrases`: a tuple of distinct non-empty str\n"
             "sorted by first character, then longest first (`TextPreprocess._phrases_by_head`).");

static PyObject *cleanup_remove_phrases(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *text, *phrases, *pieces = NULL, *space = NULL, *out = NULL;
    Py_ssize_t n, n_phrases, i, k, last;
    Index x = {0};
    SpanBuffer found;
    int kind;
    const void *data;
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "remove_phrases(text: str, phrases: tuple[str, ...])");
        return NULL;
    }
    text = args[0];
    phrases = args[1];
    if (!all_str(phrases, "remove_phrases: phrases must be str"))
        return NULL;
    n_phrases = PyTuple_GET_SIZE(phrases);
    /* the order the longest-first test relies on, checked (it is what makes the result right,
     * not what keeps the reads in bounds) */
    for (k = 0; k < n_phrases; k++) {
        PyObject *p = PyTuple_GET_ITEM(phrases, k), *q = k ? PyTuple_GET_ITEM(phrases, k - 1) : NULL;
        Py_UCS4 first = PyUnicode_GET_LENGTH(p) ? PyUnicode_READ_CHAR(p, 0) : 0, before = q ? PyUnicode_READ_CHAR(q, 0) : 0;
        if (!PyUnicode_GET_LENGTH(p) || (q && (before > first || (before == first && PyUnicode_GET_LENGTH(q) < PyUnicode_GET_LENGTH(p))))) {
            PyErr_SetString(PyExc_ValueError, "remove_phrases: phrases must be non-empty, sorted by first character, then longest first");
            return NULL;
        }
    }
    x.heads = PyMem_Calloc(n_phrases ? n_phrases : 1, sizeof(Head));
    if (!x.heads)
        return PyErr_NoMemory();
    for (k = 0; k < n_phrases; k++) {
        x.heads[k].first = PyUnicode_READ_CHAR(PyTuple_GET_ITEM(phrases, k), 0);
        x.heads[k].index = k;
    }
    x.n_heads = n_phrases;
    span_buffer_init(&found);
    if (index_finish(&x, phrases) < 0)
        goto done;
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    for (i = 0; i < n;) {
        Py_ssize_t lo, hi, h, m = 0;
        if (index_candidate(&x, kind, data, n, i) && (i == 0 || !(is_word_char(PyUnicode_READ(kind, data, i - 1)) ||
                                                                   PyUnicode_READ(kind, data, i - 1) == '@'))) {
            index_range(&x, PyUnicode_READ(kind, data, i), &lo, &hi);
            for (h = lo; h < hi; h++) { /* the longest phrase here that ends a word */
                PyObject *phrase = PyTuple_GET_ITEM(phrases, x.heads[h].index);
                Py_ssize_t len = PyUnicode_GET_LENGTH(phrase);
                if (len <= n - i && occurs_at(kind, data, i, phrase, len) && (i + len == n || !is_word_char(PyUnicode_READ(kind, data, i + len)))) {
                    m = len;
                    break;
                }
            }
        }
        if (m) {
            if (span_buffer_push(&found, i, i + m) < 0)
                goto done;
            i += m;
        }
        else
            i++;
    }
    if (found.n == 0) {
        Py_INCREF(text);
        out = text;
        goto done;
    }
    /* the text between the phrases, joined by single spaces */
    pieces = PyList_New(found.n / 2 + 1);
    space = PyUnicode_FromOrdinal(' ');
    if (!pieces || !space)
        goto done;
    for (k = 0, last = 0; k <= found.n / 2; k++) {
        Py_ssize_t end = k < found.n / 2 ? found.bounds[2 * k] : n;
        PyObject *piece = PyUnicode_Substring(text, last, end);
        if (!piece)
            goto done;
        PyList_SET_ITEM(pieces, k, piece);
        if (k < found.n / 2)
            last = found.bounds[2 * k + 1];
    }
    out = PyUnicode_Join(space, pieces);
done:
    Py_XDECREF(pieces);
    Py_XDECREF(space);
    span_buffer_free(&found);
    index_free(&x);
    return out;
}

/* --- TokenTypes --------------------------------------------------------------------------- */

/* [^\W\d_] as re classifies characters (\d is Py_UNICODE_ISDECIMAL; \w is word_chars.h's): the
 * same test as ngrams.c's letter_runs */
static inline int is_letter(Py_UCS4 c)
{
    if (c < 128)
        return is_ascii_letter(c);
    return Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c);
}

/* The classes of the ASCII characters, looked up in one read: not \w, \w but not a letter, a
 * lower-case letter, an upper-case one */
enum { NOT_WORD, WORD, LOWER, UPPER };
static const unsigned char ascii_class[128] = {
    ['0'] = WORD, ['1'] = WORD, ['2'] = WORD, ['3'] = WORD, ['4'] = WORD, ['5'] = WORD, ['6'] = WORD, ['7'] = WORD, ['8'] = WORD,
    ['9'] = WORD, ['_'] = WORD,
    ['a'] = LOWER, ['b'] = LOWER, ['c'] = LOWER, ['d'] = LOWER, ['e'] = LOWER, ['f'] = LOWER, ['g'] = LOWER, ['h'] = LOWER,
    ['i'] = LOWER, ['j'] = LOWER, ['k'] = LOWER, ['l'] = LOWER, ['m'] = LOWER, ['n'] = LOWER, ['o'] = LOWER, ['p'] = LOWER,
    ['q'] = LOWER, ['r'] = LOWER, ['s'] = LOWER, ['t'] = LOWER, ['u'] = LOWER, ['v'] = LOWER, ['w'] = LOWER, ['x'] = LOWER,
    ['y'] = LOWER, ['z'] = LOWER,
    ['A'] = UPPER, ['B'] = UPPER, ['C'] = UPPER, ['D'] = UPPER, ['E'] = UPPER, ['F'] = UPPER, ['G'] = UPPER, ['H'] = UPPER,
    ['I'] = UPPER, ['J'] = UPPER, ['K'] = UPPER, ['L'] = UPPER, ['M'] = UPPER, ['N'] = UPPER, ['O'] = UPPER, ['P'] = UPPER,
    ['Q'] = UPPER, ['R'] = UPPER, ['S'] = UPPER, ['T'] = UPPER, ['U'] = UPPER, ['V'] = UPPER, ['W'] = UPPER, ['X'] = UPPER,
    ['Y'] = UPPER, ['Z'] = UPPER,
};

/* FNV-1a over code points, then a 64-bit finaliser (the table's slots are the low bits) */
#define HASH_SEED 0xcbf29ce484222325ULL
static inline uint64_t hash_step(uint64_t h, Py_UCS4 c)
{
    return (h ^ c) * 0x100000001b3ULL;
}
static inline uint64_t hash_finish(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

typedef struct {
    uint64_t hash;
    Py_ssize_t number; /* -1: an empty slot */
} Slot;

typedef struct {
    PyObject_HEAD
    Py_UCS4 *chars; /* every type's code points, end to end */
    Py_ssize_t n_chars, chars_cap;
    Py_ssize_t *start, *length; /* type k: chars[start[k] : start[k] + length[k]] */
    Py_ssize_t n, cap;
    Slot *slots;
    Py_ssize_t n_slots; /* 0, or a power of two more than twice n */
} TokenTypes;

/* *p grown to hold at least `need` items of `size` bytes (capacity doubles); -1 with MemoryError. */
static int grow(void **p, Py_ssize_t *cap, Py_ssize_t need, size_t size)
{
    Py_ssize_t n = *cap ? *cap : 64;
    void *grown;
    if (need <= *cap)
        return 0;
    while (n < need) {
        if (n > PY_SSIZE_T_MAX / 2) {
            PyErr_NoMemory();
            return -1;
        }
        n *= 2;
    }
    if ((size_t)n > (size_t)PY_SSIZE_T_MAX / size) {
        PyErr_NoMemory();
        return -1;
    }
    grown = PyMem_Realloc(*p, (size_t)n * size);
    if (!grown) {
        PyErr_NoMemory();
        return -1;
    }
    *p = grown;
    *cap = n;
    return 0;
}

/* The number of the type whose code points are chars[:m], or -1. */
static Py_ssize_t types_find(const TokenTypes *t, uint64_t hash, const Py_UCS4 *chars, Py_ssize_t m)
{
    size_t mask, i;
    if (!t->n_slots)
        return -1;
    mask = (size_t)t->n_slots - 1;
    for (i = (size_t)hash & mask;; i = (i + 1) & mask) {
        const Slot *s = &t->slots[i];
        Py_ssize_t k = s->number;
        if (k < 0)
            return -1;
        if (s->hash == hash && k < t->n && t->length[k] == m && t->start[k] + m <= t->n_chars &&
            memcmp(t->chars + t->start[k], chars, (size_t)m * sizeof(Py_UCS4)) == 0)
            return k;
    }
}

static void slot_put(Slot *slots, Py_ssize_t n_slots, uint64_t hash, Py_ssize_t number)
{
    size_t mask = (size_t)n_slots - 1, i = (size_t)hash & mask;
    while (slots[i].number >= 0)
        i = (i + 1) & mask;
    slots[i].hash = hash;
    slots[i].number = number;
}

/* Numbers chars[:m] as type t->n (a type already in the table keeps its number in lookups). */
static int types_append(TokenTypes *t, uint64_t hash, const Py_UCS4 *chars, Py_ssize_t m)
{
    int known = types_find(t, hash, chars, m) >= 0;
    if (t->n_chars > PY_SSIZE_T_MAX - m || grow((void **)&t->chars, &t->chars_cap, t->n_chars + m, sizeof(Py_UCS4)) < 0)
        return -1;
    if (t->n + 1 > t->cap) {
        Py_ssize_t cap = t->cap;
        if (grow((void **)&t->start, &cap, t->n + 1, sizeof(Py_ssize_t)) < 0)
            return -1;
        cap = t->cap;
        if (grow((void **)&t->length, &cap, t->n + 1, sizeof(Py_ssize_t)) < 0)
            return -1;
        t->cap = cap;
    }
    if (2 * (t->n + 1) >= t->n_slots) { /* rehash into twice the slots */
        Py_ssize_t n_slots = t->n_slots ? 2 * t->n_slots : 1024, k;
        Slot *slots;
        if ((size_t)n_slots > (size_t)PY_SSIZE_T_MAX / sizeof(Slot) || !(slots = PyMem_Malloc((size_t)n_slots * sizeof(Slot)))) {
            PyErr_NoMemory();
            return -1;
        }
        for (k = 0; k < n_slots; k++)
            slots[k].number = -1;
        for (k = 0; k < t->n_slots; k++)
            if (t->slots[k].number >= 0)
                slot_put(slots, n_slots, t->slots[k].hash, t->slots[k].number);
        PyMem_Free(t->slots);
        t->slots = slots;
        t->n_slots = n_slots;
    }
    memcpy(t->chars + t->n_chars, chars, (size_t)m * sizeof(Py_UCS4));
    t->start[t->n] = t->n_chars;
    t->length[t->n] = m;
    t->n_chars += m;
    if (!known)
        slot_put(t->slots, t->n_slots, hash, t->n);
    t->n++;
    return 0;
}

static void types_dealloc(TokenTypes *t)
{
    PyMem_Free(t->chars);
    PyMem_Free(t->start);
    PyMem_Free(t->length);
    PyMem_Free(t->slots);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

static Py_ssize_t types_len(TokenTypes *t)
{
    return t->n;
}

/* A growable array of code points or of int64 (the run being read, the numbers found). */
typedef struct {
    void *items;
    Py_ssize_t n, cap;
} Growable;

PyDoc_STRVAR(types_add_doc, "add(tokens, first) -> None\n\n"
             "Number each str of the list `tokens` first, first + 1, ... (`first` must be len(self): the\n"
             "numbers are the order of addition, as NgramCounter gives them; a token already here keeps\n"
             "its number in lookups).");

static PyObject *types_add(TokenTypes *t, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *tokens;
    Py_ssize_t first, k;
    Growable run = {0};
    if (nargs != 2 || !PyList_Check(args[0]) || !PyLong_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "add(tokens: list[str], first: int)");
        return NULL;
    }
    tokens = args[0];
    first = PyLong_AsSsize_t(args[1]);
    if (first == -1 && PyErr_Occurred())
        return NULL;
    if (first != t->n) {
        PyErr_Format(PyExc_ValueError, "add: first must be %zd (the number of types), not %zd", t->n, first);
        return NULL;
    }
    for (k = 0; k < PyList_GET_SIZE(tokens); k++)
        if (!PyUnicode_Check(PyList_GET_ITEM(tokens, k))) {
            PyErr_SetString(PyExc_TypeError, "add: tokens must be str");
            return NULL;
        }
    /* (str items have no Python code that could change the list under this loop) */
    for (k = 0; k < PyList_GET_SIZE(tokens); k++) {
        PyObject *token = PyList_GET_ITEM(tokens, k);
        Py_ssize_t m = PyUnicode_GET_LENGTH(token), j;
        int kind = PyUnicode_KIND(token);
        const void *data = PyUnicode_DATA(token);
        uint64_t h = HASH_SEED;
        if (grow(&run.items, &run.cap, m, sizeof(Py_UCS4)) < 0)
            goto fail;
        for (j = 0; j < m; j++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, j);
            ((Py_UCS4 *)run.items)[j] = c;
            h = hash_step(h, c);
        }
        if (types_append(t, hash_finish(h), run.items, m) < 0)
            goto fail;
    }
    PyMem_Free(run.items);
    Py_RETURN_NONE;
fail:
    PyMem_Free(run.items);
    return NULL;
}

static PyObject *lower_name; /* "lower", interned once (module init) */

/* str.lower changes a character beyond A-Z: the text is lower-cased by str.lower, and read again */
#define NOT_ASCII_LOWER 1

/* Appends the number of each token of `text` to `found` (-1 for a type not in the table, whose
 * str is appended to `unseen`). `fold`: lower-case A-Z while reading, and return NOT_ASCII_LOWER
 * at a character str.lower would change otherwise (where none is, text.lower() is text with A-Z
 * lower-cased: str.lower maps every other character by its full lower-case mapping, whose first
 * character is Py_UNICODE_TOLOWER's, and the final-sigma rule is for U+03A3 only, which
 * Py_UNICODE_TOLOWER changes). 0 when done, -1 on error. Inlined once per str kind, so the
 * compiler reads each with a constant width. */
static inline int read_tokens_of_kind(const TokenTypes *t, PyObject *text, const int kind, int fold, Growable *found, Growable *run,
                                      PyObject *unseen)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 *chars;
    int64_t *numbers;
    /* room for the longest run and for every token (each has two characters and the next
     * starts after a non-word character), so the loop below never grows a buffer */
    if (grow(&run->items, &run->cap, n, sizeof(Py_UCS4)) < 0 || found->n > PY_SSIZE_T_MAX - (n / 2 + 1) ||
        grow(&found->items, &found->cap, found->n + n / 2 + 1, sizeof(int64_t)) < 0)
        return -1;
    chars = run->items;
    numbers = found->items;
    while (i < n) {
        Py_ssize_t start = i, m = 0;
        uint64_t h = HASH_SEED;
        int letters = 1;
        /* a run of word characters: a token when it is all letters (the regex's \b on both
         * sides rules out any token that starts or ends inside a run) */
        for (; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c < 128) {
                int cls = ascii_class[c];
                if (cls == NOT_WORD)
                    break;
                if (cls == WORD)
                    letters = 0;
                else if (letters) {
                    if (fold && cls == UPPER)
                        c += 32;
                    chars[m++] = c; /* m <= i - start < n */
                    h = hash_step(h, c);
                }
                continue;
            }
            if (fold && Py_UNICODE_TOLOWER(c) != c)
                return NOT_ASCII_LOWER;
            if (!is_word_char(c))
                break;
            if (letters && !is_letter(c))
                letters = 0;
            if (letters) {
                chars[m++] = c;
                h = hash_step(h, c);
            }
        }
        if (i == start) { /* not a word character */
            i++;
            continue;
        }
        if (letters && m >= 2) {
            Py_ssize_t number = types_find(t, hash_finish(h), chars, m);
            if (found->n >= found->cap) { /* (cannot happen: room was made above) */
                PyErr_SetString(PyExc_SystemError, "letter_runs: more tokens than room for them");
                return -1;
            }
            numbers[found->n++] = number;
            if (number < 0) {
                PyObject *token = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, chars, m);
                if (!token || PyList_Append(unseen, token) < 0) {
                    Py_XDECREF(token);
                    return -1;
                }
                Py_DECREF(token);
            }
        }
    }
    return 0;
}

static int read_tokens(const TokenTypes *t, PyObject *text, int fold, Growable *found, Growable *run, PyObject *unseen)
{
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        return read_tokens_of_kind(t, text, PyUnicode_1BYTE_KIND, fold, found, run, unseen);
    case PyUnicode_2BYTE_KIND:
        return read_tokens_of_kind(t, text, PyUnicode_2BYTE_KIND, fold, found, run, unseen);
    default:
        return read_tokens_of_kind(t, text, PyUnicode_4BYTE_KIND, fold, found, run, unseen);
    }
}

PyDoc_STRVAR(types_letter_runs_doc, "letter_runs(texts, lowercase) -> (numbers, lengths, unseen)\n\n"
             "The tokens of each str of the list `texts` (lower-cased first if `lowercase`), as\n"
             "re.findall(r\"(?u)\\b[^\\W\\d_][^\\W\\d_]+\\b\") finds them, end to end: `numbers` (a bytearray of\n"
             "int64) holds each token's type number, -1 for a type not in the table, whose str is the\n"
             "next one of the list `unseen`; `lengths` is each text's number of tokens.");

static PyObject *types_letter_runs(TokenTypes *t, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *texts, *lengths = NULL, *unseen = NULL, *numbers = NULL, *out = NULL;
    Py_ssize_t k, n_texts;
    Growable found = {0}, run = {0};
    int lowercase;
    if (nargs != 2 || !PyList_Check(args[0]) || !PyBool_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "letter_runs(texts: list[str], lowercase: bool)");
        return NULL;
    }
    texts = args[0];
    lowercase = args[1] == Py_True;
    n_texts = PyList_GET_SIZE(texts);
    for (k = 0; k < n_texts; k++)
        if (!PyUnicode_CheckExact(PyList_GET_ITEM(texts, k))) { /* (a subclass might lower-case otherwise) */
            PyErr_SetString(PyExc_TypeError, "letter_runs: texts must be str (not a subclass)");
            return NULL;
        }
    lengths = PyList_New(n_texts);
    unseen = PyList_New(0);
    if (!lengths || !unseen)
        goto done;
    /* (str.lower below runs no Python code that could change the list under this loop) */
    for (k = 0; k < n_texts; k++) {
        PyObject *text = PyList_GET_ITEM(texts, k), *count;
        Py_ssize_t before = found.n, unseen_before = PyList_GET_SIZE(unseen);
        int r = read_tokens(t, text, lowercase, &found, &run, unseen);
        if (r == NOT_ASCII_LOWER) {
            PyObject *lowered = PyObject_CallMethodNoArgs(text, lower_name);
            found.n = before;
            if (!lowered || PyList_SetSlice(unseen, unseen_before, PyList_GET_SIZE(unseen), NULL) < 0) {
                Py_XDECREF(lowered);
                goto done;
            }
            r = read_tokens(t, lowered, 0, &found, &run, unseen);
            Py_DECREF(lowered);
        }
        if (r < 0 || !(count = PyLong_FromSsize_t(found.n - before)))
            goto done;
        PyList_SET_ITEM(lengths, k, count);
    }
    numbers = PyByteArray_FromStringAndSize(found.items, (Py_ssize_t)(found.n * sizeof(int64_t)));
    if (numbers)
        out = PyTuple_Pack(3, numbers, lengths, unseen);
done:
    Py_XDECREF(numbers);
    Py_XDECREF(lengths);
    Py_XDECREF(unseen);
    PyMem_Free(found.items);
    PyMem_Free(run.items);
    return out;
}

static PyObject *types_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if (PyTuple_GET_SIZE(args) || (kwargs && PyDict_GET_SIZE(kwargs))) {
        PyErr_SetString(PyExc_TypeError, "TokenTypes() takes no arguments");
        return NULL;
    }
    return type->tp_alloc(type, 0); /* zeroed: an empty table */
}

static PyMethodDef types_methods[] = {
    {"add", (PyCFunction)(void (*)(void))types_add, METH_FASTCALL, types_add_doc},
    {"letter_runs", (PyCFunction)(void (*)(void))types_letter_runs, METH_FASTCALL, types_letter_runs_doc},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods types_as_sequence = {.sq_length = (lenfunc)types_len};

static PyTypeObject TokenTypesType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "framing._accel.cleanup.TokenTypes",
    .tp_basicsize = sizeof(TokenTypes),
    .tp_dealloc = (destructor)types_dealloc,
    .tp_as_sequence = &types_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "TokenTypes()\n\nThe token types an NgramCounter has numbered (their code points, in a hash table), for\n"
              "numbering the lean model's tokens without building their str (`letter_runs`).",
    .tp_methods = types_methods,
    .tp_new = types_new,
};

static PyMethodDef cleanup_methods[] = {
    {"marker_lines", (PyCFunction)(void (*)(void))cleanup_marker_lines, METH_FASTCALL, marker_lines_doc},
    {"remove_phrases", (PyCFunction)(void (*)(void))cleanup_remove_phrases, METH_FASTCALL, remove_phrases_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef cleanup_module = {
    PyModuleDef_HEAD_INIT, "framing._accel.cleanup",
    "The lean model's text clean-up (framing.scoring.text_cleanup), compiled.", -1, cleanup_methods,
};

PyMODINIT_FUNC PyInit_cleanup(void)
{
    PyObject *module;
    if (PyType_Ready(&TokenTypesType) < 0)
        return NULL;
    if (!lower_name && !(lower_name = PyUnicode_InternFromString("lower")))
        return NULL;
    module = PyModule_Create(&cleanup_module);
    if (!module)
        return NULL;
    Py_INCREF(&TokenTypesType);
    if (PyModule_AddObject(module, "TokenTypes", (PyObject *)&TokenTypesType) < 0) {
        Py_DECREF(&TokenTypesType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
