/* The lean model's text clean-up (framing/scoring/text_cleanup.py), compiled.
 *
 * - markers_in: which of a set of literal markers occur in a text, `[m for m in markers if m in
 *   text]` (`_pure_markers_in`), in one walk over the text instead of one search per marker;
 * - remove_phrases: `TextPreprocess._phrase_re.sub(" ", text)`, the literal phrases removed where
 *   they stand as whole words (`(?<![\w@])(?:phrases, longest first)(?!\w)`).
 *
 * Both walk the text once over an index of the literals by first character. Bitmaps of their
 * first three characters (by low bytes, hashed) pass over most positions at the cost of a few
 * reads; at a position they let through, only the literals starting with that character are compared (3x
 * faster than the 53 searches of `in` over an ABP article, 4x faster than the regex). Every read
 * is bounded by the lengths of the text and of the literal.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
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

/* --- markers_in ----------------------------------------------------------------------------- */

static int head_order(const void *a, const void *b)
{
    const Head *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

PyDoc_STRVAR(markers_in_doc, "markers_in(text, markers) -> list[str]\n\n"
             "[m for m in markers if m in text]: the markers (a tuple of str) that occur in text, in\n"
             "their order, each as often as the tuple holds it.");

static PyObject *cleanup_markers_in(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *text, *markers, *out = NULL;
    Py_ssize_t n, n_markers, left, i, k;
    Index x = {0};
    char *found = NULL;
    int kind;
    const void *data;
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "markers_in(text: str, markers: tuple[str, ...])");
        return NULL;
    }
    text = args[0];
    markers = args[1];
    if (!all_str(markers, "markers_in: markers must be str"))
        return NULL;
    n_markers = PyTuple_GET_SIZE(markers);
    x.heads = PyMem_Calloc(n_markers ? n_markers : 1, sizeof(Head));
    found = PyMem_Calloc(n_markers ? n_markers : 1, 1);
    if (!x.heads || !found) {
        PyErr_NoMemory();
        goto done;
    }
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    for (k = 0; k < n_markers; k++) {
        PyObject *marker = PyTuple_GET_ITEM(markers, k);
        Py_ssize_t m = PyUnicode_GET_LENGTH(marker);
        if (m == 0)
            found[k] = 1; /* "" is in every text */
        else if (m <= n) {
            x.heads[x.n_heads].first = PyUnicode_READ_CHAR(marker, 0);
            x.heads[x.n_heads].index = k;
            x.n_heads++;
        }
    }
    qsort(x.heads, (size_t)x.n_heads, sizeof(Head), head_order);
    if (index_finish(&x, markers) < 0)
        goto done;
    left = x.n_heads;
    for (i = 0; i < n && left > 0; i++) {
        Py_ssize_t lo, hi, h;
        if (!index_candidate(&x, kind, data, n, i))
            continue;
        index_range(&x, PyUnicode_READ(kind, data, i), &lo, &hi);
        for (h = lo; h < hi; h++) {
            Py_ssize_t index = x.heads[h].index;
            PyObject *marker = PyTuple_GET_ITEM(markers, index);
            Py_ssize_t m = PyUnicode_GET_LENGTH(marker);
            if (!found[index] && m <= n - i && occurs_at(kind, data, i, marker, m)) {
                found[index] = 1;
                left--;
            }
        }
    }
    out = PyList_New(0);
    if (!out)
        goto done;
    for (k = 0; k < n_markers; k++)
        if (found[k] && PyList_Append(out, PyTuple_GET_ITEM(markers, k)) < 0) {
            Py_CLEAR(out);
            goto done;
        }
done:
    index_free(&x);
    PyMem_Free(found);
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

static PyMethodDef cleanup_methods[] = {
    {"markers_in", (PyCFunction)(void (*)(void))cleanup_markers_in, METH_FASTCALL, markers_in_doc},
    {"remove_phrases", (PyCFunction)(void (*)(void))cleanup_remove_phrases, METH_FASTCALL, remove_phrases_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef cleanup_module = {
    PyModuleDef_HEAD_INIT, "framing._accel.cleanup",
    "The lean model's text clean-up (framing.scoring.text_cleanup), compiled.", -1, cleanup_methods,
};

PyMODINIT_FUNC PyInit_cleanup(void)
{
    return PyModule_Create(&cleanup_module);
}
