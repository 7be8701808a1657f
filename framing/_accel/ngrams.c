/* The integer work of n-gram counting (framing/scoring/ngram_counts.py), compiled.
 *
 * Each function replaces one pure-Python reference in ngram_counts.py, with the same results:
 *
 * - lookup: token norms -> their numbers in a dict, -1 for the unknown (`NgramCounter._token_types`);
 * - char_ngram_ids: each new token type's character n-gram ids in a vocabulary dict
 *   (`_CharNgramIds._pure_add_types`, sklearn's char_wb: the token padded with one space either side);
 * - char_gather: the ids of a run of token types, laid end to end (`_CharNgramIds._pure_ids`);
 * - word_ngrams: every word n-gram of a vocabulary in a run of tokens (`_pure_word_ngram_columns`),
 *   the same prefix walk over the same sorted key tables, in text order;
 * - letter_runs: the lean model's tokens, `re.findall(r"(?u)\b[^\W\d_][^\W\d_]+\b", text)`
 *   (framing/scoring/ngram_model.py, `TokenPattern`);
 * - unit_runs: the grouping of `group_counts` for occurrences that come unit after unit (the
 *   classifiers' do): each unit counted in a table and its ids read back in order from a bitmap,
 *   so the (unit, id, count) runs come out sorted without a sort; units out of order are
 *   reported (-1), and then sorted;
 * - key_runs: the runs of equal keys once `group_counts` has sorted them, as (unit, id, count),
 *   in one pass instead of numpy's six.
 *
 * Only whole numbers are computed here: the products stay in numpy, so the summation order that
 * fixes the last bits of the logits is untouched. numpy's sort (SIMD where the CPU has it) beat
 * two counting sorts written here by 2.5x; unit_runs beats it by 1.75x on the classifiers'
 * occurrences (0.164 -> 0.094 s of CPU on 1,000 ABP articles), as it reads a bitmap word's ids
 * four at a time with no branch per id and maps sentences to passages once per sentence, not per
 * n-gram (on units of twenty or thirty occurrences, sentences' words, it is no faster than the
 * sort; on sentences' character n-grams and on passages, 1.4 to 2.5x). Arrays come through the
 * buffer protocol (1-D, C-contiguous, int32 / int64 / bool as named); outputs are allocated by
 * the caller (numpy) and filled here. Every index read from an array is checked against the
 * array it indexes, and every size against overflow, so bad input raises instead of reading or
 * writing out of bounds.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "word_chars.h"

/* --- 1-D arrays through the buffer protocol ------------------------------------------------ */

typedef struct {
    Py_buffer view;
    char *data;
    Py_ssize_t n;
    int itemsize; /* 1 (bool), 4 or 8 (signed integers) */
    int held;
} Arr;

enum { INTS = 1, BOOLS = 2 };

static void arr_release(Arr *a)
{
    if (a->held)
        PyBuffer_Release(&a->view);
    a->held = 0;
}

/* Take `obj`'s buffer: `kinds` says what it may hold (INTS: int32 or int64; BOOLS: bool). */
static int arr_get(PyObject *obj, Arr *a, int kinds, int writable, const char *name)
{
    const char *fmt;
    char code;
    memset(a, 0, sizeof(*a));
    if (PyObject_GetBuffer(obj, &a->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    a->held = 1;
    fmt = a->view.format ? a->view.format : "B";
    if (*fmt == '@' || *fmt == '=')
        fmt++;
    code = fmt[0];
    if (a->view.ndim != 1 || fmt[0] == '\0' || fmt[1] != '\0')
        goto bad;
    a->itemsize = (int)a->view.itemsize;
    if ((kinds & BOOLS) && code == '?' && a->itemsize == 1)
        ;
    else if ((kinds & INTS) && (code == 'i' || code == 'l' || code == 'q') && (a->itemsize == 4 || a->itemsize == 8))
        ;
    else
        goto bad;
    a->data = (char *)a->view.buf;
    a->n = a->view.shape ? a->view.shape[0] : a->view.len / a->view.itemsize;
    return 0;
bad:
    PyErr_Format(PyExc_TypeError, "%s must be a 1-D contiguous array of %s", name, kinds == BOOLS ? "bool" : "int32 or int64");
    arr_release(a);
    return -1;
}

static inline int64_t get_i(const Arr *a, Py_ssize_t i)
{
    if (a->itemsize == 8)
        return ((const int64_t *)a->data)[i];
    if (a->itemsize == 4)
        return ((const int32_t *)a->data)[i];
    return ((const unsigned char *)a->data)[i] != 0;
}

static inline void set_i(Arr *a, Py_ssize_t i, int64_t v)
{
    if (a->itemsize == 8)
        ((int64_t *)a->data)[i] = v;
    else
        ((int32_t *)a->data)[i] = (int32_t)v;
}

static int fits(const Arr *a, int64_t v)
{
    return a->itemsize == 8 || (v >= INT32_MIN && v <= INT32_MAX);
}

static int check_len(const Arr *a, Py_ssize_t n, const char *name)
{
    if (a->n < n) {
        PyErr_Format(PyExc_ValueError, "%s has room for %zd entries, %zd needed", name, a->n, n);
        return -1;
    }
    return 0;
}

/* The end of a function that fills arrays: release the first `got` of `a`, then the count `m`
 * when `ok`, else NULL (the error already set). */
static PyObject *released(Arr *a, int got, int ok, Py_ssize_t m)
{
    while (got > 0)
        arr_release(&a[--got]);
    return ok ? PyLong_FromSsize_t(m) : NULL;
}

static PyObject *index_error(const char *name, int64_t v)
{
    PyErr_Format(PyExc_IndexError, "%s: index %lld out of range", name, (long long)v);
    return NULL;
}

/* --- lookup ---------------------------------------------------------------------------------- */

PyDoc_STRVAR(lookup_doc, "lookup(norms, numbers, out) -> None\n\n"
             "out[i] = numbers.get(norms[i], -1) for a list of norms and a dict of int values.");

static PyObject *ngrams_lookup(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *norms, *numbers;
    Arr out;
    Py_ssize_t i, n;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "lookup(norms, numbers, out)");
        return NULL;
    }
    norms = args[0];
    numbers = args[1];
    if (!PyList_Check(norms) || !PyDict_Check(numbers)) {
        PyErr_SetString(PyExc_TypeError, "lookup: norms must be a list and numbers a dict");
        return NULL;
    }
    if (arr_get(args[2], &out, INTS, 1, "out") < 0)
        return NULL;
    n = PyList_GET_SIZE(norms);
    if (check_len(&out, n, "out") < 0)
        goto fail;
    for (i = 0; i < n; i++) {
        PyObject *key, *found;
        long long v;
        /* a norm's __hash__ or __eq__ (not str's) could change the list under the loop */
        if (i >= PyList_GET_SIZE(norms)) {
            PyErr_SetString(PyExc_RuntimeError, "lookup: norms changed size");
            goto fail;
        }
        key = PyList_GET_ITEM(norms, i);
        Py_INCREF(key);
        found = PyDict_GetItemWithError(numbers, key);
        Py_DECREF(key);
        if (!found) {
            if (PyErr_Occurred())
                goto fail;
            set_i(&out, i, -1);
            continue;
        }
        Py_INCREF(found);
        v = PyLong_AsLongLong(found);
        Py_DECREF(found);
        if (v == -1 && PyErr_Occurred())
            goto fail;
        if (!fits(&out, v)) {
            PyErr_SetString(PyExc_OverflowError, "lookup: a number does not fit the output array");
            goto fail;
        }
        set_i(&out, i, v);
    }
    arr_release(&out);
    Py_RETURN_NONE;
fail:
    arr_release(&out);
    return NULL;
}

/* --- char_ngram_ids -------------------------------------------------------------------------- */

typedef struct {
    int32_t *items;
    Py_ssize_t n, cap;
} IdList;

static int idlist_push(IdList *l, int32_t v)
{
    if (l->n == l->cap) {
        Py_ssize_t cap = l->cap ? 2 * l->cap : 1024;
        int32_t *grown;
        if (cap > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(int32_t)) {
            PyErr_NoMemory();
            return -1;
        }
        grown = PyMem_Realloc(l->items, cap * sizeof(int32_t));
        if (!grown) {
            PyErr_NoMemory();
            return -1;
        }
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n++] = v;
    return 0;
}

/* " " + norm + " " as a new str. */
static PyObject *padded(PyObject *norm)
{
    Py_ssize_t len = PyUnicode_GET_LENGTH(norm);
    Py_UCS4 maxchar = PyUnicode_MAX_CHAR_VALUE(norm);
    PyObject *out;
    if (len > PY_SSIZE_T_MAX - 2) {
        PyErr_NoMemory();
        return NULL;
    }
    out = PyUnicode_New(len + 2, maxchar < ' ' ? ' ' : maxchar);
    if (!out)
        return NULL;
    if (PyUnicode_WriteChar(out, 0, ' ') < 0 || PyUnicode_CopyCharacters(out, 1, norm, 0, len) < 0 ||
        PyUnicode_WriteChar(out, len + 1, ' ') < 0) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

PyDoc_STRVAR(char_ngram_ids_doc, "char_ngram_ids(norms, words, vocab, lo, hi, lengths) -> bytes\n\n"
             "The char_wb n-grams (lo..hi characters of ' ' + norm + ' ') of each norm whose `words` entry is\n"
             "true, looked up in `vocab` (a dict of int values; unknown n-grams and negative values are left\n"
             "out): their ids end to end as int32 bytes, and each norm's number of ids in `lengths`.");

static PyObject *ngrams_char_ngram_ids(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *norms, *vocab, *result = NULL;
    Arr words, lengths;
    Py_ssize_t lo, hi, i, n;
    IdList ids = {NULL, 0, 0};
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "char_ngram_ids(norms, words, vocab, lo, hi, lengths)");
        return NULL;
    }
    norms = args[0];
    vocab = args[2];
    if (!PyList_Check(norms) || !PyDict_Check(vocab)) {
        PyErr_SetString(PyExc_TypeError, "char_ngram_ids: norms must be a list and vocab a dict");
        return NULL;
    }
    lo = PyLong_AsSsize_t(args[3]);
    if (lo == -1 && PyErr_Occurred())
        return NULL;
    hi = PyLong_AsSsize_t(args[4]);
    if (hi == -1 && PyErr_Occurred())
        return NULL;
    if (lo < 1 || hi < lo) {
        PyErr_SetString(PyExc_ValueError, "char_ngram_ids: need 1 <= lo <= hi");
        return NULL;
    }
    if (arr_get(args[1], &words, BOOLS, 0, "words") < 0)
        return NULL;
    if (arr_get(args[5], &lengths, INTS, 1, "lengths") < 0) {
        arr_release(&words);
        return NULL;
    }
    n = PyList_GET_SIZE(norms);
    if (check_len(&words, n, "words") < 0 || check_len(&lengths, n, "lengths") < 0)
        goto done;
    for (i = 0; i < n; i++) {
        PyObject *norm, *pad;
        Py_ssize_t before = ids.n, n_chars, k, start;
        if (i >= PyList_GET_SIZE(norms)) { /* the list shrank under a key's __eq__ */
            PyErr_SetString(PyExc_RuntimeError, "char_ngram_ids: norms changed size");
            goto done;
        }
        norm = PyList_GET_ITEM(norms, i);
        if (!get_i(&words, i)) {
            set_i(&lengths, i, 0);
            continue;
        }
        if (!PyUnicode_Check(norm)) {
            PyErr_Format(PyExc_TypeError, "char_ngram_ids: norms must be str, not %.100s", Py_TYPE(norm)->tp_name);
            goto done;
        }
        pad = padded(norm);
        if (!pad)
            goto done;
        n_chars = PyUnicode_GET_LENGTH(pad);
        for (k = lo; k <= hi && k <= n_chars; k++) {
            for (start = 0; start + k <= n_chars; start++) {
                PyObject *gram = PyUnicode_Substring(pad, start, start + k), *found;
                long long v;
                if (!gram) {
                    Py_DECREF(pad);
                    goto done;
                }
                found = PyDict_GetItemWithError(vocab, gram);
                Py_DECREF(gram);
                if (!found) {
                    if (PyErr_Occurred()) {
                        Py_DECREF(pad);
                        goto done;
                    }
                    continue;
                }
                Py_INCREF(found);
                v = PyLong_AsLongLong(found);
                Py_DECREF(found);
                if (v == -1 && PyErr_Occurred()) {
                    Py_DECREF(pad);
                    goto done;
                }
                if (v < 0)
                    continue;
                if (v > INT32_MAX) {
                    Py_DECREF(pad);
                    PyErr_SetString(PyExc_OverflowError, "char_ngram_ids: an id does not fit int32");
                    goto done;
                }
                if (idlist_push(&ids, (int32_t)v) < 0) {
                    Py_DECREF(pad);
                    goto done;
                }
            }
        }
        Py_DECREF(pad);
        set_i(&lengths, i, ids.n - before);
    }
    result = PyBytes_FromStringAndSize(ids.items ? (const char *)ids.items : "", ids.n * (Py_ssize_t)sizeof(int32_t));
done:
    PyMem_Free(ids.items);
    arr_release(&words);
    arr_release(&lengths);
    return result;
}

/* --- char_gather ----------------------------------------------------------------------------- */

PyDoc_STRVAR(char_gather_doc, "char_gather(types, sents, start, length, buffer, out_sents, out_ids) -> None\n\n"
             "For each token (type types[i], sentence sents[i]), in order: buffer[start[t] : start[t] + length[t]]\n"
             "into out_ids and its sentence as many times into out_sents.");

static PyObject *ngrams_char_gather(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arr a[7];
    static const char *names[7] = {"types", "sents", "start", "length", "buffer", "out_sents", "out_ids"};
    int got = 0, ok = 0;
    Py_ssize_t i, m = 0;
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "char_gather(types, sents, start, length, buffer, out_sents, out_ids)");
        return NULL;
    }
    for (got = 0; got < 7; got++)
        if (arr_get(args[got], &a[got], INTS, got >= 5, names[got]) < 0)
            goto done;
    if (a[1].n != a[0].n || a[3].n != a[2].n) {
        PyErr_SetString(PyExc_ValueError, "char_gather: types and sents, start and length must have the same length");
        goto done;
    }
    if (a[6].itemsize < a[4].itemsize) {
        PyErr_SetString(PyExc_TypeError, "char_gather: out_ids must be as wide as buffer");
        goto done;
    }
    for (i = 0; i < a[0].n; i++) {
        int64_t t = get_i(&a[0], i), s = get_i(&a[1], i), first, size, j;
        if (t < 0 || t >= a[2].n) {
            index_error("types", t);
            goto done;
        }
        first = get_i(&a[2], t);
        size = get_i(&a[3], t);
        if (size < 0 || first < 0 || first > a[4].n || size > a[4].n - first) {
            index_error("start", first);
            goto done;
        }
        if (size > a[5].n - m || size > a[6].n - m) {
            check_len(&a[5], m + size, "out_sents");
            if (!PyErr_Occurred())
                check_len(&a[6], m + size, "out_ids");
            goto done;
        }
        if (!fits(&a[5], s)) {
            PyErr_SetString(PyExc_OverflowError, "char_gather: a sentence does not fit out_sents");
            goto done;
        }
        for (j = 0; j < size; j++) {
            set_i(&a[5], m + j, s);
            set_i(&a[6], m + j, get_i(&a[4], first + j));
        }
        m += size;
    }
    ok = 1;
done:
    return released(a, got, ok, m);
}

/* --- key_runs -------------------------------------------------------------------------------- */

PyDoc_STRVAR(key_runs_doc, "key_runs(keys, size, out_units, out_ids, out_counts) -> int\n\n"
             "For each run of equal keys in sorted, non-negative `keys` (key = unit * size + id): its unit, its id\n"
             "and its length, into the outputs; returns the number of runs.");

static PyObject *ngrams_key_runs(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arr a[4];
    static const char *names[4] = {"keys", "out_units", "out_ids", "out_counts"};
    int got = 0, ok = 0;
    long long size;
    int64_t unit = 0, base = 0; /* the current unit, and its first key */
    Py_ssize_t i, start, n, m = 0;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "key_runs(keys, size, out_units, out_ids, out_counts)");
        return NULL;
    }
    size = PyLong_AsLongLong(args[1]);
    if (size == -1 && PyErr_Occurred())
        return NULL;
    if (size <= 0) {
        PyErr_SetString(PyExc_ValueError, "key_runs: size must be positive");
        return NULL;
    }
    for (got = 0; got < 4; got++)
        if (arr_get(args[got == 0 ? 0 : got + 1], &a[got], INTS, got >= 1, names[got]) < 0)
            goto done;
    n = a[0].n;
    if (a[0].itemsize == 4 && a[1].itemsize == 4 && a[2].itemsize == 4 && a[3].itemsize == 8 && a[1].n >= n && a[2].n >= n && a[3].n >= n) {
        /* the common case (int32 keys), with nothing to check but the order: a unit and an id are
         * at most the key, a run at most n long */
        const int32_t *keys = (const int32_t *)a[0].data;
        int32_t *units = (int32_t *)a[1].data, *ids = (int32_t *)a[2].data;
        int64_t *counts = (int64_t *)a[3].data;
        for (i = 0; i < n; i = start) {
            int32_t key = keys[i];
            if (key < 0 || (i > 0 && key < keys[i - 1])) {
                PyErr_SetString(PyExc_ValueError, "key_runs: keys must be non-negative and sorted");
                goto done;
            }
            for (start = i + 1; start < n && keys[start] == key; start++)
                ;
            if (key - base >= size) {
                unit = key / size;
                base = unit * size;
            }
            units[m] = (int32_t)unit;
            ids[m] = (int32_t)(key - base);
            counts[m] = start - i;
            m++;
        }
        ok = 1;
        goto done;
    }
    for (i = 0; i < n; i = start) {
        int64_t key = get_i(&a[0], i), id;
        start = i + 1;
        if (key < 0 || (i > 0 && key < get_i(&a[0], i - 1))) {
            PyErr_SetString(PyExc_ValueError, "key_runs: keys must be non-negative and sorted");
            goto done;
        }
        while (start < n && get_i(&a[0], start) == key)
            start++;
        if (m >= a[1].n || m >= a[2].n || m >= a[3].n) {
            PyErr_SetString(PyExc_ValueError, "key_runs: the outputs are too small");
            goto done;
        }
        if (key - base >= size) { /* a new unit: divide once per unit, not per key */
            unit = key / size;
            base = unit * size;
        }
        id = key - base;
        if (!fits(&a[1], unit) || !fits(&a[2], id) || !fits(&a[3], start - i)) {
            PyErr_SetString(PyExc_OverflowError, "key_runs: a unit, an id or a count does not fit its output");
            goto done;
        }
        set_i(&a[1], m, unit);
        set_i(&a[2], m, id);
        set_i(&a[3], m, start - i);
        m++;
    }
    ok = 1;
done:
    return released(a, got, ok, m);
}

/* --- unit_runs ------------------------------------------------------------------------------- */

/* The largest vocabulary unit_runs takes (its scratch is then 66 MB); group_counts sorts past it. */
#define UNIT_RUNS_MAX_SIZE (1LL << 24)

/* One unit's counts: a count per id, a bit per id that occurred (`bits`) and a bit per nonzero word
 * of `bits` (`summary`), so the unit's ids are read back in increasing order by visiting only the
 * words that hold one. All zero between units: reading a unit back clears what it touched. */
typedef struct {
    uint32_t *count;
    uint64_t *bits, *summary;
    int64_t n_summary;
} RunTable;

/* The same loop for every array type: `FAST` (a constant where it is inlined) reads int32 inputs
 * and writes int32 / int32 / int64 outputs directly, else every access goes through get_i / set_i.
 * Returns the number of runs, -1 if a unit is smaller than the one before it, -2 with an error set. */
#define RD(arr, i) (FAST ? (int64_t)((const int32_t *)(arr)->data)[i] : get_i((arr), (i)))
#define WR(arr, i, v, type) do { if (FAST) ((type *)(arr)->data)[i] = (type)(v); else set_i((arr), (i), (v)); } while (0)

static inline __attribute__((always_inline)) Py_ssize_t unit_runs_loop(const Arr *segments, const Arr *ids, const Arr *unit_of, int64_t size, RunTable *t,
                                                                         Arr *out_units, Arr *out_ids, Arr *out_counts, const int FAST)
{
    uint32_t *restrict count = t->count;
    uint64_t *restrict bits = t->bits, *restrict summary = t->summary;
    const Py_ssize_t n = segments->n, n_map = unit_of ? unit_of->n : 0;
    Py_ssize_t i, j, m = 0;
    int64_t prev = 0;
#define UNIT_OF(seg, u) do { \
        if (unit_of) { \
            if ((seg) < 0 || (seg) >= n_map) { index_error("unit_runs: segments", (seg)); return -2; } \
            (u) = RD(unit_of, (seg)); \
        } else (u) = (seg); } while (0)
    for (i = 0; i < n; i = j) {
        int64_t seg = RD(segments, i), u, s;
        Py_ssize_t first = m;
        UNIT_OF(seg, u);
        if (u < 0) {
            PyErr_SetString(PyExc_ValueError, "unit_runs: units must be non-negative");
            return -2;
        }
        if (u < prev)
            return -1;
        if (!fits(out_units, u)) {
            PyErr_SetString(PyExc_OverflowError, "unit_runs: a unit does not fit out_units");
            return -2;
        }
        prev = u;
        /* count the unit's occurrences: its segments' (the next segment may belong to it too) */
        for (j = i; j < n;) {
            for (; j < n && RD(segments, j) == seg; j++) {
                const uint64_t id = (uint64_t)RD(ids, j);
                if (id >= (uint64_t)size) {
                    PyErr_Format(PyExc_ValueError, "unit_runs: id %lld out of range(%lld)", (long long)RD(ids, j), (long long)size);
                    return -2;
                }
                count[id]++;
                bits[id >> 6] |= 1ULL << (id & 63);
                summary[id >> 12] |= 1ULL << ((id >> 6) & 63);
            }
            if (j < n && unit_of) {
                int64_t next_u;
                seg = RD(segments, j);
                UNIT_OF(seg, next_u);
                if (next_u == u)
                    continue;
            }
            break;
        }
        /* read its ids back in increasing order, with their counts, clearing the table */
        for (s = 0; s < t->n_summary; s++) {
            uint64_t sw = summary[s];
            summary[s] = 0;
            while (sw) {
                const int64_t w = s * 64 + __builtin_ctzll(sw), base = w * 64;
                uint64_t b = bits[w];
                bits[w] = 0;
                sw &= sw - 1;
                if (m + 64 <= n) { /* room for a whole word's rows past m */
                    /* four ids at a time, with no branch per id (a character n-gram word holds
                     * three on average, and a branch per id mispredicts at each word's end): a
                     * step past the word's last bit writes a row that the next id overwrites (m
                     * stays), and reads and clears count[base + 63], already read back or zero */
#define STEP do { \
        const int64_t id = base + __builtin_ctzll(b | (1ULL << 63)); \
        WR(out_ids, m, id, int32_t); \
        WR(out_counts, m, count[id], int64_t); \
        count[id] = 0; \
        m += b != 0; \
        b &= b - 1; } while (0)
                    do {
                        STEP;
                        STEP;
                        STEP;
                        STEP;
                    } while (b);
#undef STEP
                    continue;
                }
                while (b) { /* the last rows of the outputs: one id at a time */
                    const int64_t id = base + __builtin_ctzll(b);
                    b &= b - 1;
                    WR(out_ids, m, id, int32_t);
                    WR(out_counts, m, count[id], int64_t);
                    count[id] = 0;
                    m++;
                }
            }
        }
        for (; first < m; first++)
            WR(out_units, first, u, int32_t);
    }
#undef UNIT_OF
    return m;
}
#undef RD
#undef WR

PyDoc_STRVAR(unit_runs_doc, "unit_runs(segments, ids, size, unit_of, out_units, out_ids, out_counts) -> int\n\n"
             "For occurrences that come unit after unit (occurrence i's unit: segments[i], or unit_of[segments[i]]\n"
             "unless unit_of is None), the distinct (unit, id) pairs sorted by unit then id, with\n"
             "their counts, into the outputs (each with room for len(segments) entries); returns how many, or -1\n"
             "if a unit is smaller than the one before it (the outputs then hold nothing of use: sort instead).\n"
             "Each unit is counted in a table of `size` entries and its ids read back in order from a bitmap: no\n"
             "sort. ValueError unless every id is in range(size), every unit >= 0 and 1 <= size <= 2**24;\n"
             "IndexError for a segment outside unit_of.");

static PyObject *ngrams_unit_runs(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arr a[6]; /* segments, ids, unit_of, out_units, out_ids, out_counts */
    static const char *names[6] = {"segments", "ids", "unit_of", "out_units", "out_ids", "out_counts"};
    static const int arg_of[6] = {0, 1, 3, 4, 5, 6};
    int got = 0, ok = 0, mapped;
    long long size;
    RunTable t = {NULL, NULL, NULL, 0};
    void *scratch = NULL;
    Py_ssize_t n, m = 0;
    int64_t n_words;
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "unit_runs(segments, ids, size, unit_of, out_units, out_ids, out_counts)");
        return NULL;
    }
    size = PyLong_AsLongLong(args[2]);
    if (size == -1 && PyErr_Occurred())
        return NULL;
    if (size <= 0 || size > UNIT_RUNS_MAX_SIZE) {
        PyErr_Format(PyExc_ValueError, "unit_runs: size must be in 1..%lld", UNIT_RUNS_MAX_SIZE);
        return NULL;
    }
    mapped = args[3] != Py_None;
    for (got = 0; got < 6; got++) {
        if (got == 2 && !mapped) {
            memset(&a[2], 0, sizeof(a[2])); /* not held: releasing it is a no-op */
            continue;
        }
        if (arr_get(args[arg_of[got]], &a[got], INTS, got >= 3, names[got]) < 0)
            goto done;
    }
    n = a[0].n;
    if (a[1].n != n) {
        PyErr_SetString(PyExc_ValueError, "unit_runs: segments and ids must have the same length");
        goto done;
    }
    if (check_len(&a[3], n, "out_units") < 0 || check_len(&a[4], n, "out_ids") < 0 || check_len(&a[5], n, "out_counts") < 0)
        goto done;
    /* a count is at most n: it must fit the table's uint32 and out_counts (an id fits any output:
     * it is below size) */
    if ((uint64_t)n > UINT32_MAX || (a[5].itemsize == 4 && n > INT32_MAX)) {
        PyErr_SetString(PyExc_ValueError, "unit_runs: too many occurrences for the counts");
        goto done;
    }
    n_words = (size + 63) / 64;
    t.n_summary = (n_words + 63) / 64;
    /* one block: the words of bits and summary, then a count for every bit of bits (the batched
     * read-back touches count[base + 63] of the last word); size is at most 2**24: no overflow */
    scratch = PyMem_Calloc((size_t)(n_words + t.n_summary) * sizeof(uint64_t) + (size_t)n_words * 64 * sizeof(uint32_t), 1);
    if (!scratch) {
        PyErr_NoMemory();
        goto done;
    }
    t.bits = (uint64_t *)scratch;
    t.summary = t.bits + n_words;
    t.count = (uint32_t *)(t.summary + t.n_summary);
    if (a[0].itemsize == 4 && a[1].itemsize == 4 && (!mapped || a[2].itemsize == 4) && a[3].itemsize == 4 && a[4].itemsize == 4 && a[5].itemsize == 8)
        m = unit_runs_loop(&a[0], &a[1], mapped ? &a[2] : NULL, size, &t, &a[3], &a[4], &a[5], 1); /* the classifiers' arrays */
    else
        m = unit_runs_loop(&a[0], &a[1], mapped ? &a[2] : NULL, size, &t, &a[3], &a[4], &a[5], 0);
    ok = m != -2;
done:
    PyMem_Free(scratch);
    return released(a, got, ok, m);
}

/* --- word_ngrams ----------------------------------------------------------------------------- */

typedef struct {
    Arr keys, states, columns, starts, at; /* at: at_position[k - 1]; starts: state_starts[k - 2] */
} Level;

static void level_release(Level *lv) /* the parts not taken are zeroed: releasing them is a no-op */
{
    arr_release(&lv->keys);
    arr_release(&lv->states);
    arr_release(&lv->columns);
    arr_release(&lv->starts);
    arr_release(&lv->at);
}

/* An int64 array (the table's arrays are all int64). */
static int arr_get_i64(PyObject *obj, Arr *a, int writable, const char *name)
{
    if (arr_get(obj, a, INTS, writable, name) < 0)
        return -1;
    if (a->itemsize != 8) {
        PyErr_Format(PyExc_TypeError, "%s must be an int64 array", name);
        arr_release(a);
        return -1;
    }
    return 0;
}

static int level_get(Level *lv, PyObject *level, PyObject *starts, PyObject *at)
{
    if (!PyTuple_Check(level) || PyTuple_GET_SIZE(level) != 3) {
        PyErr_SetString(PyExc_TypeError, "word_ngrams: each level is (keys, states, columns)");
        return -1;
    }
    if (arr_get_i64(PyTuple_GET_ITEM(level, 0), &lv->keys, 0, "keys") < 0)
        return -1;
    if (arr_get_i64(PyTuple_GET_ITEM(level, 1), &lv->states, 0, "states") < 0)
        return -1;
    if (arr_get_i64(PyTuple_GET_ITEM(level, 2), &lv->columns, 0, "columns") < 0)
        return -1;
    if (arr_get_i64(starts, &lv->starts, 0, "state_starts") < 0)
        return -1;
    if (arr_get(at, &lv->at, BOOLS, 0, "at_position") < 0)
        return -1;
    if (lv->states.n != lv->keys.n) {
        PyErr_SetString(PyExc_ValueError, "word_ngrams: a level's keys and states differ in length");
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(word_ngrams_doc, "word_ngrams(ids, segments, unigram_column, at_position, levels, state_starts, n_ids, min_n, max_n, out_segments, out_columns) -> int\n\n"
             "`word_ngram_columns` on a WordNgramTable's arrays (`levels`: (keys, states, columns) per n-gram\n"
             "length from 2, `state_starts`: where each state's keys start): the (segment, column) pairs in\n"
             "text order (by start, then length) into the outputs; returns how many.");

static PyObject *ngrams_word_ngrams(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arr ids, segments, unigram, out_seg, out_col;
    Arr *plain[5] = {&ids, &segments, &unigram, &out_seg, &out_col};
    Level *levels = NULL;
    int n_plain = 0, ok = 0;
    Py_ssize_t n_levels, got_levels = 0, i, m = 0, k, room;
    int64_t n_ids, min_n, max_n, n_states;
    const int64_t *id_of, *unigram_column;
    int64_t *columns_out;
    PyObject *at_position, *level_list, *state_starts;
    if (nargs != 11) {
        PyErr_SetString(PyExc_TypeError, "word_ngrams takes 11 arguments");
        return NULL;
    }
    at_position = args[3];
    level_list = args[4];
    state_starts = args[5];
    n_ids = PyLong_AsLongLong(args[6]);
    min_n = PyLong_AsLongLong(args[7]);
    max_n = PyLong_AsLongLong(args[8]);
    if (PyErr_Occurred())
        return NULL;
    if (!PyTuple_Check(at_position) || !PyTuple_Check(level_list) || !PyTuple_Check(state_starts)) {
        PyErr_SetString(PyExc_TypeError, "word_ngrams: at_position, levels and state_starts must be tuples");
        return NULL;
    }
    n_levels = PyTuple_GET_SIZE(level_list);
    if (n_ids < 1 || min_n < 1 || max_n < min_n || max_n != n_levels + 1 || PyTuple_GET_SIZE(state_starts) != n_levels ||
        (n_levels && PyTuple_GET_SIZE(at_position) < max_n)) {
        PyErr_SetString(PyExc_ValueError, "word_ngrams: inconsistent table (n_ids, ngram range, levels, state_starts, at_position)");
        return NULL;
    }
    if (arr_get_i64(args[0], &ids, 0, "ids") < 0)
        goto done;
    n_plain++;
    if (arr_get(args[1], &segments, INTS, 0, "segments") < 0)
        goto done;
    n_plain++;
    if (arr_get_i64(args[2], &unigram, 0, "unigram_column") < 0)
        goto done;
    n_plain++;
    if (arr_get(args[9], &out_seg, INTS, 1, "out_segments") < 0)
        goto done;
    n_plain++;
    if (arr_get_i64(args[10], &out_col, 1, "out_columns") < 0)
        goto done;
    n_plain++;
    if (segments.n != ids.n || unigram.n < n_ids || out_seg.itemsize != segments.itemsize) {
        PyErr_SetString(PyExc_ValueError, "word_ngrams: segments must match ids (and out_segments their type), unigram_column cover every id");
        goto done;
    }
    room = out_seg.n < out_col.n ? out_seg.n : out_col.n;
    if (n_levels) {
        levels = PyMem_Calloc((size_t)n_levels + 1, sizeof(Level)); /* levels[0]: at_position[0] only */
        if (!levels) {
            PyErr_NoMemory();
            goto done;
        }
        if (arr_get(PyTuple_GET_ITEM(at_position, 0), &levels[0].at, BOOLS, 0, "at_position") < 0)
            goto done;
        got_levels = 1;
        n_states = n_ids;
        for (k = 2; k <= max_n; k++) {
            Level *lv = &levels[k - 1];
            got_levels++;
            if (level_get(lv, PyTuple_GET_ITEM(level_list, k - 2), PyTuple_GET_ITEM(state_starts, k - 2), PyTuple_GET_ITEM(at_position, k - 1)) < 0)
                goto done;
            if (lv->starts.n != n_states + 1) {
                PyErr_SetString(PyExc_ValueError, "word_ngrams: state_starts must have one entry per state of the level before, and one more");
                goto done;
            }
            n_states = lv->states.n;
        }
        for (k = 0; k <= n_levels; k++)
            if (levels[k].at.n < n_ids) {
                PyErr_SetString(PyExc_ValueError, "word_ngrams: at_position must cover every id");
                goto done;
            }
    }
    id_of = (const int64_t *)ids.data;
    unigram_column = (const int64_t *)unigram.data;
    columns_out = (int64_t *)out_col.data;
#define EMIT(seg, col) do { \
        if (m >= room) { PyErr_SetString(PyExc_ValueError, "word_ngrams: the outputs are too small"); goto done; } \
        set_i(&out_seg, m, (seg)); columns_out[m] = (col); m++; } while (0)
    for (i = 0; i < ids.n; i++) {
        int64_t id = id_of[i], seg, state;
        if (id < 0 || id >= n_ids) {
            index_error("ids", id);
            goto done;
        }
        if (min_n == 1 && unigram_column[id] >= 0)
            EMIT(get_i(&segments, i), unigram_column[id]);
        if (!n_levels || !levels[0].at.data[id])
            continue;
        /* follow the term prefixes that start here, one token longer each level */
        seg = get_i(&segments, i);
        state = id;
        for (k = 2; k <= max_n && i + k - 1 < ids.n; k++) {
            Level *lv = &levels[k - 1];
            const int64_t *keys = (const int64_t *)lv->keys.data, *starts = (const int64_t *)lv->starts.data;
            int64_t next = id_of[i + k - 1], key, lo, hi, col;
            if (next < 0 || next >= n_ids)
                break; /* reported when the walk starts at that token */
            if (!lv->at.data[next] || get_i(&segments, i + k - 1) != seg)
                break;
            /* the keys of this state: state_starts[state] .. state_starts[state + 1] */
            lo = starts[state];
            hi = starts[state + 1];
            if (lo < 0 || hi > lv->keys.n || lo > hi) {
                index_error("state_starts", lo);
                goto done;
            }
            /* numpy's int64 arithmetic wraps; unsigned arithmetic gives the same bits in C */
            key = (int64_t)((uint64_t)state * (uint64_t)n_ids + (uint64_t)next);
            while (lo < hi) {
                int64_t mid = lo + (hi - lo) / 2;
                if (keys[mid] < key)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo >= lv->keys.n || keys[lo] != key)
                break;
            state = ((const int64_t *)lv->states.data)[lo];
            if (state < 0 || state >= lv->columns.n || (k < max_n && state >= levels[k].starts.n - 1)) {
                index_error("states", state);
                goto done;
            }
            col = ((const int64_t *)lv->columns.data)[state];
            if (k >= min_n && col >= 0)
                EMIT(seg, col);
        }
    }
#undef EMIT
    ok = 1;
done:
    while (got_levels > 0)
        level_release(&levels[--got_levels]);
    PyMem_Free(levels);
    while (n_plain > 0)
        arr_release(plain[--n_plain]);
    if (!ok)
        return NULL;
    return PyLong_FromSsize_t(m);
}

/* --- letter_runs ---------------------------------------------------------------------------- */

/* [^\W\d_] as re classifies characters (\d is Py_UNICODE_ISDECIMAL, Modules/_sre: SRE_UNI_IS_DIGIT);
 * \w is word_chars.h's */
static inline int is_letter(Py_UCS4 c) /* [^\W\d_] */
{
    if (c < 128)
        return is_ascii_letter(c);
    return Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c);
}

PyDoc_STRVAR(letter_runs_doc, "letter_runs(text) -> list[str]\n\n"
             "re.findall(r\"(?u)\\b[^\\W\\d_][^\\W\\d_]+\\b\", text): each run of word characters (\\w) that is\n"
             "all letters (no digit, no underscore) and at least two characters long.");

static PyObject *ngrams_letter_runs(PyObject *self, PyObject *arg)
{
    PyObject *out;
    Py_ssize_t n, i = 0;
    int kind;
    const void *data;
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "letter_runs: text must be str, not %.100s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    out = PyList_New(0);
    if (!out)
        return NULL;
    n = PyUnicode_GET_LENGTH(arg);
    kind = PyUnicode_KIND(arg);
    data = PyUnicode_DATA(arg);
    while (i < n) {
        Py_ssize_t start, letters = 1;
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (!is_word_char(c)) {
            i++;
            continue;
        }
        /* a run of word characters: a token when it is all letters (the regex's \b on both
         * sides rules out any token that starts or ends inside a run) */
        start = i;
        letters = is_letter(c);
        for (i++; i < n; i++) {
            c = PyUnicode_READ(kind, data, i);
            if (!is_word_char(c))
                break;
            if (letters && !is_letter(c))
                letters = 0;
        }
        if (letters && i - start >= 2) {
            PyObject *token = PyUnicode_Substring(arg, start, i);
            if (!token || PyList_Append(out, token) < 0) {
                Py_XDECREF(token);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(token);
        }
    }
    return out;
}

static PyMethodDef ngrams_methods[] = {
    {"letter_runs", (PyCFunction)ngrams_letter_runs, METH_O, letter_runs_doc},
    {"lookup", (PyCFunction)(void (*)(void))ngrams_lookup, METH_FASTCALL, lookup_doc},
    {"char_ngram_ids", (PyCFunction)(void (*)(void))ngrams_char_ngram_ids, METH_FASTCALL, char_ngram_ids_doc},
    {"char_gather", (PyCFunction)(void (*)(void))ngrams_char_gather, METH_FASTCALL, char_gather_doc},
    {"word_ngrams", (PyCFunction)(void (*)(void))ngrams_word_ngrams, METH_FASTCALL, word_ngrams_doc},
    {"key_runs", (PyCFunction)(void (*)(void))ngrams_key_runs, METH_FASTCALL, key_runs_doc},
    {"unit_runs", (PyCFunction)(void (*)(void))ngrams_unit_runs, METH_FASTCALL, unit_runs_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef ngrams_module = {
    PyModuleDef_HEAD_INIT, "framing._accel.ngrams",
    "The integer work of n-gram counting (framing.scoring.ngram_counts), compiled.", -1, ngrams_methods,
};

PyMODINIT_FUNC PyInit_ngrams(void)
{
    return PyModule_Create(&ngrams_module);
}
