/* A growable array of (start, end) pairs, on the stack until it outgrows it: the token and
 * sentence bounds that tokens.c and punkt.c collect. Included by each C source (one extension
 * module per source, so the functions are static to each). */
#ifndef FRAMING_SPAN_BUFFER_H
#define FRAMING_SPAN_BUFFER_H

#include <Python.h>
#include <string.h>

#define SPAN_BUFFER_LOCAL 256 /* Py_ssize_t slots: 128 pairs before the first allocation */

typedef struct {
    Py_ssize_t *bounds; /* start, end, start, end, ... */
    Py_ssize_t n, cap;
    Py_ssize_t local[SPAN_BUFFER_LOCAL];
} SpanBuffer;

static void span_buffer_init(SpanBuffer *b)
{
    b->bounds = b->local;
    b->n = 0;
    b->cap = SPAN_BUFFER_LOCAL;
}

/* Frees what was allocated and empties the buffer, which can then be filled again. */
static void span_buffer_free(SpanBuffer *b)
{
    if (b->bounds != b->local)
        PyMem_Free(b->bounds);
    span_buffer_init(b);
}

/* Appends one pair; -1 with MemoryError set when it cannot grow. */
static int span_buffer_push(SpanBuffer *b, Py_ssize_t start, Py_ssize_t end)
{
    if (b->n + 2 > b->cap) {
        Py_ssize_t cap = b->cap * 2;
        Py_ssize_t *grown;
        if (cap > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(Py_ssize_t)) {
            PyErr_NoMemory();
            return -1;
        }
        if (b->bounds == b->local) {
            grown = PyMem_Malloc(cap * sizeof(Py_ssize_t));
            if (grown)
                memcpy(grown, b->local, b->n * sizeof(Py_ssize_t));
        }
        else
            grown = PyMem_Realloc(b->bounds, cap * sizeof(Py_ssize_t));
        if (!grown) {
            PyErr_NoMemory();
            return -1;
        }
        b->bounds = grown;
        b->cap = cap;
    }
    b->bounds[b->n++] = start;
    b->bounds[b->n++] = end;
    return 0;
}

#endif
