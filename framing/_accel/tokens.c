/* Word tokens of a sentence: framing.text._TOKEN_RE, compiled by hand.
 *
 * The reference is the regular expression in framing/text.py (Python's re module):
 *
 *     (?:[A-Za-z]\.){2,}             A1  U.S. e.g.
 *   | \w+(?=n['’]t\b)                A2  do|n't
 *   | n['’]t\b                       A3
 *   | ['’](?:s|re|ve|ll|d|m)\b       A4  's 're ...
 *   | \d+(?:[.,]\d+)+                A5  1,000 3.5
 *   | \w+(?:[-‐‑]\w+)*               A6  words, hyphenated words
 *   | [^\w\s]                        A7  any other single symbol
 *
 * tried in that order at each position, as re does. The character classes are the ones re uses
 * for str patterns (Modules/_sre/sre.c): \w is Py_UNICODE_ISALNUM or '_', \d Py_UNICODE_ISDECIMAL,
 * \s Py_UNICODE_ISSPACE, and \b compares \w on both sides with the end of the searched range
 * counting as a non-word character (re treats `endpos` as the end of the string). Every
 * non-space character starts a match (A6 or A7) and no match holds a space, so the scan skips
 * spaces and takes one match at each other position.
 *
 * Norms (framing.text.normalize_token: quote folding, then str.lower) are made here for ASCII
 * tokens (folding leaves ASCII alone, lower-casing maps A-Z only), one object per distinct norm;
 * any other token is passed to the `normalize` callable given, so full Unicode case mapping
 * stays Python's own.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ascii_lower.h"
#include "span_buffer.h"

#define APOSTROPHE(c) ((c) == 0x27 || (c) == 0x2019)
#define HYPHEN(c) ((c) == 0x2D || (c) == 0x2010 || (c) == 0x2011)
#define ASCII_LETTER(c) (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t end;
} Text;

static inline Py_UCS4 at(const Text *t, Py_ssize_t i) { return PyUnicode_READ(t->kind, t->data, i); }

/* \w and \d; ASCII answered here (the character database calls cost more than the scan) */
static inline int is_word(Py_UCS4 c)
{
    if (c < 128)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return Py_UNICODE_ISALNUM(c);
}

static inline int is_decimal(Py_UCS4 c) { return c < 128 ? c >= '0' && c <= '9' : Py_UNICODE_ISDECIMAL(c); }

/* \b after position i - 1 (a word character in every use here): is i the end or a non-word? */
static inline int boundary_after_word(const Text *t, Py_ssize_t i) { return i >= t->end || !is_word(at(t, i)); }

static Py_ssize_t word_run(const Text *t, Py_ssize_t i)
{
    while (i < t->end && is_word(at(t, i)))
        i++;
    return i;
}

static Py_ssize_t digit_run(const Text *t, Py_ssize_t i)
{
    while (i < t->end && is_decimal(at(t, i)))
        i++;
    return i;
}

/* End of the match starting at the non-space position p. */
static Py_ssize_t match_at(const Text *t, Py_ssize_t p)
{
    const Py_ssize_t end = t->end;
    Py_UCS4 c = at(t, p);
    Py_ssize_t q;

    /* A1: (?:[A-Za-z]\.){2,}, greedy; nothing follows it, so the longest run of pairs is it */
    if (ASCII_LETTER(c)) {
        q = p;
        while (q + 1 < end && ASCII_LETTER(at(t, q)) && at(t, q + 1) == '.')
            q += 2;
        if (q - p >= 4)
            return q;
    }
    if (is_word(c)) {
        Py_ssize_t run = word_run(t, p);
        /* A2: \w+ backtracks to the one length whose next characters can be n't: the run
         * must end in n, followed by an apostrophe (not a word character), t and a boundary */
        if (run - p >= 2 && at(t, run - 1) == 'n' && run + 1 < end && APOSTROPHE(at(t, run)) &&
            at(t, run + 1) == 't' && boundary_after_word(t, run + 2))
            return run - 1;
        /* A3: n't\b */
        if (c == 'n' && p + 2 < end && APOSTROPHE(at(t, p + 1)) && at(t, p + 2) == 't' && boundary_after_word(t, p + 3))
            return p + 3;
        /* A5: \d+(?:[.,]\d+)+ with at least one group; each \d+ greedy */
        if (is_decimal(c)) {
            Py_ssize_t d = digit_run(t, p), groups = 0;
            while (d + 1 < end) {
                Py_UCS4 sep = at(t, d);
                Py_ssize_t next;
                if (sep != '.' && sep != ',')
                    break;
                next = digit_run(t, d + 1);
                if (next == d + 1)
                    break;
                d = next;
                groups++;
            }
            if (groups)
                return d;
        }
        /* A6: \w+(?:[-‐‑]\w+)* */
        q = run;
        while (q + 1 < end && HYPHEN(at(t, q)) && is_word(at(t, q + 1)))
            q = word_run(t, q + 1);
        return q;
    }
    /* A4: ['’](?:s|re|ve|ll|d|m)\b (the alternatives start with different letters) */
    if (APOSTROPHE(c) && p + 1 < end) {
        Py_UCS4 a = at(t, p + 1), b = p + 2 < end ? at(t, p + 2) : 0;
        Py_ssize_t stop = 0;
        if (a == 's' || a == 'd' || a == 'm')
            stop = p + 2;
        else if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
            stop = p + 3;
        if (stop && boundary_after_word(t, stop))
            return stop;
    }
    /* A7: [^\w\s] */
    return p + 1;
}


/* Parse (text, start, end) with re's clamping of pos/endpos; -1 on error. */
static int parse_range(PyObject *const *args, Py_ssize_t nargs, const char *name, Text *t, Py_ssize_t *start)
{
    PyObject *text;
    Py_ssize_t length, pos, endpos;
    if (nargs < 3) {
        PyErr_Format(PyExc_TypeError, "%s() takes text, start, end", name);
        return -1;
    }
    text = args[0];
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "%s() argument 1 must be str", name);
        return -1;
    }
    pos = PyNumber_AsSsize_t(args[1], PyExc_OverflowError);
    if (pos == -1 && PyErr_Occurred())
        return -1;
    endpos = PyNumber_AsSsize_t(args[2], PyExc_OverflowError);
    if (endpos == -1 && PyErr_Occurred())
        return -1;
    length = PyUnicode_GET_LENGTH(text);
    pos = pos < 0 ? 0 : (pos > length ? length : pos);
    endpos = endpos < 0 ? 0 : (endpos > length ? length : endpos);
    t->kind = PyUnicode_KIND(text);
    t->data = PyUnicode_DATA(text);
    t->end = endpos;
    *start = pos;
    return 0;
}

static int scan(const Text *t, Py_ssize_t p, SpanBuffer *out)
{
    while (p < t->end) {
        Py_ssize_t q;
        if (Py_UNICODE_ISSPACE(at(t, p))) {
            p++;
            continue;
        }
        q = match_at(t, p);
        if (span_buffer_push(out, p, q) < 0)
            return -1;
        p = q;
    }
    return 0;
}

static inline PyObject *ascii_lower(const Text *t, Py_ssize_t a, Py_ssize_t b) { return ascii_lower_of(t->kind, t->data, a, b); }

/* One object per distinct ASCII norm (news vocabulary repeats): a document holds each word once,
 * as the Python path's memo makes it, and its hash is computed once. Bounded like that memo. */
static PyObject *norms_seen;
#define NORMS_SEEN_LIMIT 100000

static PyObject *shared(PyObject *norm)
{
    PyObject *kept;
    if (!norm)
        return NULL;
    if (PyDict_GET_SIZE(norms_seen) >= NORMS_SEEN_LIMIT)
        PyDict_Clear(norms_seen);
    kept = PyDict_SetDefault(norms_seen, norm, norm); /* borrowed */
    Py_XINCREF(kept);
    Py_DECREF(norm);
    return kept;
}

PyDoc_STRVAR(spans_doc,
"spans(text, start, end) -> list of (start, end)\n\n"
"The spans of _TOKEN_RE.finditer(text, start, end), as framing.text finds them.");

static PyObject *tokens_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Text t;
    Py_ssize_t start, k;
    SpanBuffer found;
    PyObject *out = NULL;
    if (parse_range(args, nargs, "spans", &t, &start) < 0)
        return NULL;
    span_buffer_init(&found);
    if (scan(&t, start, &found) < 0)
        goto done;
    out = PyList_New(found.n / 2);
    if (!out)
        goto done;
    for (k = 0; k < found.n / 2; k++) {
        PyObject *pair = PyTuple_New(2), *a, *b;
        if (!pair) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, k, pair);
        a = PyLong_FromSsize_t(found.bounds[2 * k]);
        if (!a) {
            Py_CLEAR(out);
            goto done;
        }
        PyTuple_SET_ITEM(pair, 0, a);
        b = PyLong_FromSsize_t(found.bounds[2 * k + 1]);
        if (!b) {
            Py_CLEAR(out);
            goto done;
        }
        PyTuple_SET_ITEM(pair, 1, b);
    }
done:
    span_buffer_free(&found);
    return out;
}

/* value + offset as a position among n_tokens tokens, wrapped as a Python index is (negative
 * from the end); -1 with TypeError when not an int, IndexError when out of range. Ints only: no
 * __index__ runs, so no Python code can change the ranges meanwhile. */
static Py_ssize_t token_position(PyObject *value, Py_ssize_t offset, Py_ssize_t n_tokens)
{
    Py_ssize_t i;
    if (!PyLong_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "range_spans(): token positions must be int");
        return -1;
    }
    i = PyLong_AsSsize_t(value);
    if (i == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        goto out_of_range;
    }
    if (offset < 0 && i == PY_SSIZE_T_MIN)
        goto out_of_range;
    i += offset;
    if (i < 0)
        i += n_tokens;
    if (i >= 0 && i < n_tokens)
        return i;
out_of_range:
    PyErr_SetString(PyExc_IndexError, "range_spans(): token position out of range");
    return -1;
}

PyDoc_STRVAR(range_spans_doc,
"range_spans(text, start, end, ranges) -> list of (start, end)\n\n"
"For each tuple (first, stop, ...) of `ranges`, token positions among the tokens of\n"
"text[start:end] as the phrase matcher gives them, the characters from the start of token\n"
"`first` to the end of token `stop - 1`: [(spans[s][0], spans[e - 1][1]) for s, e, *_ in ranges]\n"
"with spans = spans(text, start, end), without a tuple for every token of the sentence.");

static PyObject *tokens_range_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Text t;
    Py_ssize_t start, k, n_tokens;
    SpanBuffer found;
    PyObject *ranges = NULL, *out = NULL;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "range_spans() takes text, start, end, ranges");
        return NULL;
    }
    if (parse_range(args, nargs, "range_spans", &t, &start) < 0)
        return NULL;
    ranges = PySequence_Tuple(args[3]); /* a snapshot: its items are held while it is read */
    if (!ranges)
        return NULL;
    span_buffer_init(&found);
    if (scan(&t, start, &found) < 0)
        goto done;
    n_tokens = found.n / 2;
    out = PyList_New(PyTuple_GET_SIZE(ranges));
    if (!out)
        goto done;
    for (k = 0; k < PyTuple_GET_SIZE(ranges); k++) {
        PyObject *range = PyTuple_GET_ITEM(ranges, k), *pair;
        Py_ssize_t first, last;
        if (!PyTuple_Check(range) || PyTuple_GET_SIZE(range) < 2) {
            PyErr_SetString(PyExc_TypeError, "range_spans(): each range must be a tuple (first, stop, ...)");
            Py_CLEAR(out);
            goto done;
        }
        first = token_position(PyTuple_GET_ITEM(range, 0), 0, n_tokens);
        last = first < 0 ? -1 : token_position(PyTuple_GET_ITEM(range, 1), -1, n_tokens);
        if (last < 0) {
            Py_CLEAR(out);
            goto done;
        }
        pair = Py_BuildValue("(nn)", found.bounds[2 * first], found.bounds[2 * last + 1]);
        if (!pair) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, k, pair);
    }
done:
    span_buffer_free(&found);
    Py_DECREF(ranges);
    return out;
}

PyDoc_STRVAR(norms_doc,
"norms(text, start, end, normalize) -> tuple of str\n\n"
"The normalised form of each token of text[start:end]: tuple(map(normalize, _TOKEN_RE.findall(text, start, end))),\n"
"with ASCII tokens lower-cased here and every other token passed to normalize.");

static PyObject *tokens_norms(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Text t;
    Py_ssize_t start, k, i;
    SpanBuffer found;
    PyObject *out = NULL, *text, *normalize;
    int all_ascii;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "norms() takes text, start, end, normalize");
        return NULL;
    }
    if (parse_range(args, nargs, "norms", &t, &start) < 0)
        return NULL;
    text = args[0];
    normalize = args[3];
    all_ascii = PyUnicode_IS_ASCII(text);
    span_buffer_init(&found);
    if (scan(&t, start, &found) < 0)
        goto done;
    out = PyTuple_New(found.n / 2);
    if (!out)
        goto done;
    for (k = 0; k < found.n / 2; k++) {
        Py_ssize_t a = found.bounds[2 * k], b = found.bounds[2 * k + 1];
        PyObject *norm;
        int ascii = all_ascii;
        if (!ascii) {
            ascii = 1;
            for (i = a; i < b; i++)
                if (at(&t, i) > 127) {
                    ascii = 0;
                    break;
                }
        }
        if (ascii)
            norm = shared(ascii_lower(&t, a, b));
        else {
            PyObject *raw = PyUnicode_Substring(text, a, b);
            if (!raw) {
                Py_CLEAR(out);
                goto done;
            }
            norm = PyObject_CallOneArg(normalize, raw);
            Py_DECREF(raw);
            if (norm && !PyUnicode_Check(norm)) {
                PyErr_SetString(PyExc_TypeError, "normalize() must return str");
                Py_CLEAR(norm);
            }
        }
        if (!norm) {
            Py_CLEAR(out);
            goto done;
        }
        PyTuple_SET_ITEM(out, k, norm);
    }
done:
    span_buffer_free(&found);
    return out;
}

static PyMethodDef tokens_methods[] = {
    {"spans", (PyCFunction)(void (*)(void))tokens_spans, METH_FASTCALL, spans_doc},
    {"norms", (PyCFunction)(void (*)(void))tokens_norms, METH_FASTCALL, norms_doc},
    {"range_spans", (PyCFunction)(void (*)(void))tokens_range_spans, METH_FASTCALL, range_spans_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef tokens_module = {
    PyModuleDef_HEAD_INIT, "framing._accel.tokens",
    "Word tokens and their norms (framing.text's _TOKEN_RE), compiled.", -1, tokens_methods,
};

PyMODINIT_FUNC PyInit_tokens(void)
{
    norms_seen = PyDict_New();
    if (!norms_seen)
        return NULL;
    return PyModule_Create(&tokens_module);
}
