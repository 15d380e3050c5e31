/* The two inner loops of engine/funnel_ordered.py, compiled.
 *
 * - order: the step rows sorted by (customer key, time), by the top digits of the
 *   hashed keys and then each customer's rows by time. DuckDB's ORDER BY of the same
 *   rows, while they were written to a table, cost about a third of the funnel.
 * - chains: every start's chain through an ordered funnel, over rows in that order.
 *   It computes exactly what `funnel_ordered._chains_numpy` computes on arrays (the
 *   tests hold the two equal), in one pass per start instead of one array pass per
 *   step: the numpy code allocates and walks about twenty arrays of the batch's length.
 *
 * Only the buffer protocol is used (no numpy headers), and the interpreter lock is let
 * go while they run, so batches still run on several threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static int take(PyObject *object, Py_buffer *view, Py_ssize_t count, int writable,
                const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(object, view, flags) < 0) {
        return -1;
    }
    if (view->itemsize != 8 || view->len != count * 8) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd contiguous 64-bit integers", name,
                     count);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* chains(customer, times, masks, starts, steps, window, level, chain)
 *
 * customer, times, masks: int64[n], the rows in (customer, time) order (customer: the
 * run number of the row's customer); starts: int64[m], the rows that fill step 1, in
 * order. Writes level: int64[m], the steps each start's earliest chain reaches within
 * `window` of its start, and chain: int64[steps * m], step s's time for start i at
 * [s * m + i] (0 past the level, as the numpy code leaves it).
 */
static PyObject *chains(PyObject *self, PyObject *args) {
    PyObject *customer_obj, *times_obj, *masks_obj, *starts_obj, *level_obj, *chain_obj;
    Py_ssize_t n, m, steps;
    long long window;
    if (!PyArg_ParseTuple(args, "nnOOOOnLOO", &n, &m, &customer_obj, &times_obj, &masks_obj,
                          &starts_obj, &steps, &window, &level_obj, &chain_obj)) {
        return NULL;
    }
    if (n < 0 || m < 0 || steps < 1 || steps > 62) {
        PyErr_SetString(PyExc_ValueError, "chains: bad sizes");
        return NULL;
    }
    Py_buffer views[6];
    PyObject *objects[6] = {customer_obj, times_obj, masks_obj, starts_obj, level_obj, chain_obj};
    Py_ssize_t counts[6] = {n, n, n, m, m, steps * m};
    const char *names[6] = {"customer", "times", "masks", "starts", "level", "chain"};
    int taken = 0;
    for (; taken < 6; taken++) {
        if (take(objects[taken], &views[taken], counts[taken], taken >= 4, names[taken]) < 0) {
            break;
        }
    }
    if (taken < 6) {
        for (int i = 0; i < taken; i++) PyBuffer_Release(&views[i]);
        return NULL;
    }
    const int64_t *customer = views[0].buf, *times = views[1].buf, *masks = views[2].buf;
    const int64_t *starts = views[3].buf;
    int64_t *level = views[4].buf, *chain = views[5].buf;

    /* following[(s - 1) * (n + 1) + i]: the first row at or after i that fills step s
     * (n when none); instant[i]: the first row of row i's instant, so that "at or after"
     * a time includes the rows that tie with it. Row n stands for "no such row". */
    Py_ssize_t later = steps - 1;
    int64_t *following = PyMem_RawMalloc(sizeof(int64_t) * (size_t)(later * (n + 1) + 1));
    int64_t *instant = PyMem_RawMalloc(sizeof(int64_t) * (size_t)(n + 1));
    if (following == NULL || instant == NULL) {
        PyMem_RawFree(following);
        PyMem_RawFree(instant);
        for (int i = 0; i < 6; i++) PyBuffer_Release(&views[i]);
        return PyErr_NoMemory();
    }
    int bad_start = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        int same = i > 0 && customer[i] == customer[i - 1] && times[i] == times[i - 1];
        instant[i] = same ? instant[i - 1] : i;
    }
    instant[n] = n;
    for (Py_ssize_t s = 1; s <= later; s++) {
        int64_t *next = following + (s - 1) * (n + 1);
        int64_t bit = (int64_t)1 << s, found = n;
        next[n] = n;
        for (Py_ssize_t i = n - 1; i >= 0; i--) {
            if (masks[i] & bit) found = i;
            next[i] = found;
        }
    }
    for (Py_ssize_t j = 0; j < m; j++) {
        int64_t start = starts[j];
        if (start < 0 || start >= n) {
            bad_start = 1;
            break;
        }
        int64_t who = customer[start], t1 = times[start], at = start, reached = 1;
        chain[j] = t1;
        for (Py_ssize_t s = 1; s <= later; s++) {
            int64_t next = at < n ? following[(s - 1) * (n + 1) + instant[at]] : n;
            int64_t when = next < n ? times[next] : 0;
            chain[s * m + j] = when;
            if (at < n && next < n && customer[next] == who && when - t1 <= window) {
                reached++;
                at = next;
            } else {
                at = n;
            }
        }
        level[j] = reached;
    }
    Py_END_ALLOW_THREADS
    PyMem_RawFree(following);
    PyMem_RawFree(instant);
    for (int i = 0; i < 6; i++) PyBuffer_Release(&views[i]);
    if (bad_start) {
        PyErr_SetString(PyExc_ValueError, "chains: a start is not a row");
        return NULL;
    }
    Py_RETURN_NONE;
}


/* A step row as the sort moves it: every column travels with it, so that the sorted
 * columns are written in order instead of gathered at random afterwards. */
typedef struct {
    uint64_t key;
    int64_t time;
    uint64_t second;
    int64_t mask;
} Row;

static int before(const Row *x, const Row *y) {
    return x->key < y->key || (x->key == y->key && x->time < y->time);
}

static int compare_rows(const void *a, const void *b) {
    const Row *x = a, *y = b;
    return before(x, y) ? -1 : before(y, x);
}

/* Sort rows[0:count] by (key, time): by insertion when few (a customer's rows, and the
 * few other keys that share its digits), else by qsort unless already in order. */
static void sort_few(Row *rows, Py_ssize_t count) {
    if (count > 32) {
        for (Py_ssize_t i = 1; i < count; i++) {
            if (before(&rows[i], &rows[i - 1])) {
                qsort(rows, (size_t)count, sizeof(Row), compare_rows);
                return;
            }
        }
        return;
    }
    for (Py_ssize_t i = 1; i < count; i++) {
        Row row = rows[i];
        Py_ssize_t j = i;
        while (j > 0 && before(&row, &rows[j - 1])) {
            rows[j] = rows[j - 1];
            j--;
        }
        rows[j] = row;
    }
}

#define DIGIT_BITS 11
#define DIGITS (1 << DIGIT_BITS)
#define DIGIT(key, level) (((key) >> (64 - DIGIT_BITS * (level))) & (DIGITS - 1))

/* Where each digit's rows begin (starts[DIGITS] == count) for rows[0:count]. */
static void digit_starts(const Row *rows, Py_ssize_t count, int level, Py_ssize_t *starts) {
    memset(starts, 0, sizeof(Py_ssize_t) * (DIGITS + 1));
    for (Py_ssize_t i = 0; i < count; i++) starts[DIGIT(rows[i].key, level) + 1]++;
    for (int d = 0; d < DIGITS; d++) starts[d + 1] += starts[d];
}

/* The columns of the step rows as DuckDB hands them over: lists of chunks, taken as
 * buffers for as long as the sort runs. */
typedef struct {
    Py_ssize_t chunks;
    Py_buffer *views; /* chunks * 4: keys, times, seconds, masks of each chunk */
    Py_ssize_t taken;
} Chunks;

static void release_chunks(Chunks *c) {
    for (Py_ssize_t i = 0; i < c->taken; i++) PyBuffer_Release(&c->views[i]);
    PyMem_Free(c->views);
}

static int take_chunks(PyObject *lists[4], Chunks *c, Py_ssize_t *rows) {
    c->taken = 0;
    c->views = NULL;
    for (int col = 0; col < 4; col++) {
        if (!PyList_Check(lists[col])) {
            PyErr_SetString(PyExc_TypeError, "order: the columns must be lists of chunks");
            return -1;
        }
    }
    c->chunks = PyList_GET_SIZE(lists[0]);
    for (int col = 1; col < 4; col++) {
        if (PyList_GET_SIZE(lists[col]) != c->chunks) {
            PyErr_SetString(PyExc_ValueError, "order: the columns have different chunks");
            return -1;
        }
    }
    c->views = PyMem_Calloc((size_t)(c->chunks * 4 + 1), sizeof(Py_buffer));
    if (c->views == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *rows = 0;
    for (Py_ssize_t k = 0; k < c->chunks; k++) {
        Py_ssize_t length = -1;
        for (int col = 0; col < 4; col++) {
            Py_buffer *view = &c->views[k * 4 + col];
            if (PyObject_GetBuffer(PyList_GET_ITEM(lists[col], k), view,
                                   PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
                return -1;
            }
            c->taken++;
            /* masks may be 32- or 64-bit integers, the others 64-bit */
            int fits = view->itemsize == 8 || (col == 3 && view->itemsize == 4);
            Py_ssize_t here = fits ? view->len / view->itemsize : -2;
            if (!fits || (length >= 0 && here != length)) {
                PyErr_SetString(PyExc_ValueError, "order: a chunk has bad columns");
                return -1;
            }
            length = here;
        }
        *rows += length;
    }
    return 0;
}

static int64_t mask_at(const Py_buffer *view, Py_ssize_t i) {
    return view->itemsize == 4 ? ((const int32_t *)view->buf)[i] : ((const int64_t *)view->buf)[i];
}

/* order(keys, times, seconds, masks, scratch): the step rows, given as four lists of
 * chunks (numbers: 64-bit, masks 32- or 64-bit), sorted by (key, time) into scratch
 * (int64[4 n]: n rows of key, time, second hash, mask). The keys are hashes, spread
 * evenly: their top 11 bits split the rows into buckets of a few thousand, which fit
 * in the cache; each bucket is split again by the next 11 bits, and what shares both
 * digits (mostly one customer's rows) is sorted where it lies. Ties keep no particular
 * order (`funnel_ordered` treats the rows of one instant together). */
static PyObject *order(PyObject *self, PyObject *args) {
    PyObject *lists[4], *scratch_obj;
    if (!PyArg_ParseTuple(args, "OOOOO", &lists[0], &lists[1], &lists[2], &lists[3],
                          &scratch_obj)) {
        return NULL;
    }
    Chunks given;
    Py_ssize_t n = 0;
    if (take_chunks(lists, &given, &n) < 0) {
        release_chunks(&given);
        return NULL;
    }
    Py_buffer scratch_view;
    if (take(scratch_obj, &scratch_view, 4 * n, 1, "scratch") < 0) {
        release_chunks(&given);
        return NULL;
    }
    Row *rows = scratch_view.buf;
    Py_ssize_t *buckets = PyMem_RawMalloc(sizeof(Py_ssize_t) * (DIGITS + 1));
    Py_ssize_t *next = PyMem_RawMalloc(sizeof(Py_ssize_t) * (DIGITS + 1));
    Py_ssize_t *parts = PyMem_RawMalloc(sizeof(Py_ssize_t) * (DIGITS + 1));
    Row *split = NULL;
    int failed = buckets == NULL || next == NULL || parts == NULL;
    if (!failed) {
        /* The buckets by the top digit, counted on the keys, then filled from the chunks. */
        memset(buckets, 0, sizeof(Py_ssize_t) * (DIGITS + 1));
        for (Py_ssize_t k = 0; k < given.chunks; k++) {
            const Py_buffer *view = &given.views[k * 4];
            const uint64_t *keys = view->buf;
            for (Py_ssize_t i = 0; i < view->len / 8; i++) buckets[DIGIT(keys[i], 1) + 1]++;
        }
        Py_ssize_t largest = 0;
        for (int d = 0; d < DIGITS; d++) {
            if (buckets[d + 1] > largest) largest = buckets[d + 1];
            buckets[d + 1] += buckets[d];
        }
        split = PyMem_RawMalloc(sizeof(Row) * (size_t)(largest + 1));
        failed = split == NULL;
    }
    if (!failed) {
        Py_BEGIN_ALLOW_THREADS
        memcpy(next, buckets, sizeof(Py_ssize_t) * DIGITS);
        for (Py_ssize_t k = 0; k < given.chunks; k++) {
            const Py_buffer *view = &given.views[k * 4];
            const uint64_t *keys = view[0].buf, *seconds = view[2].buf;
            const int64_t *times = view[1].buf;
            for (Py_ssize_t i = 0; i < view->len / 8; i++) {
                Row row = {keys[i], times[i], seconds[i], mask_at(&view[3], i)};
                rows[next[DIGIT(row.key, 1)]++] = row;
            }
        }
        for (int b = 0; b < DIGITS; b++) {
            Row *bucket = rows + buckets[b];
            Py_ssize_t size = buckets[b + 1] - buckets[b];
            if (size <= 32) {
                sort_few(bucket, size);
                continue;
            }
            digit_starts(bucket, size, 2, parts);
            memcpy(next, parts, sizeof(Py_ssize_t) * DIGITS);
            for (Py_ssize_t i = 0; i < size; i++) split[next[DIGIT(bucket[i].key, 2)]++] = bucket[i];
            for (int d = 0; d < DIGITS; d++) sort_few(split + parts[d], parts[d + 1] - parts[d]);
            memcpy(bucket, split, sizeof(Row) * (size_t)size);
        }
        Py_END_ALLOW_THREADS
    }
    PyMem_RawFree(buckets);
    PyMem_RawFree(next);
    PyMem_RawFree(parts);
    PyMem_RawFree(split);
    PyBuffer_Release(&scratch_view);
    release_chunks(&given);
    if (failed) return PyErr_NoMemory();
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"order", order, METH_VARARGS, "The step rows' columns in (key, time) order."},
    {"chains", chains, METH_VARARGS, "Every start's chain through an ordered funnel."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_funnel_kernels",
    "The compiled inner loops of engine/funnel_ordered.py.", -1, methods,
};

PyMODINIT_FUNC PyInit__funnel_kernels(void) { return PyModule_Create(&module); }
