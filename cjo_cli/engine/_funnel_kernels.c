/* The two inner loops of engine/funnel_ordered.py, compiled.
 *
 * - order: the step rows sorted by (customer key, time), by the top digits of the
 *   hashed keys and then each customer's rows by time. DuckDB's ORDER BY of the same
 *   rows, while they were written to a table, cost about a third of the funnel.
 * - attempts: every start's chain through an ordered funnel, over rows in that order,
 *   and each customer's counted attempt. It computes exactly what
 *   `funnel_ordered._attempts_numpy` computes on arrays (the tests hold the two equal),
 *   one customer at a time: the numpy code allocates and walks about twenty arrays of
 *   the batch's length, which costs more in page faults than in arithmetic.
 *
 * Only the buffer protocol is used (no numpy headers), and the interpreter lock is let
 * go while they run, so batches still run on several threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
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

/* A column the loop reads: one-dimensional 64-bit integers, any stride (a column of
 * the sorted table `order` writes is read where it lies, not copied out). Sets *step to
 * the distance between its items, in items. */
static int take_column(PyObject *object, Py_buffer *view, Py_ssize_t count, Py_ssize_t *step,
                       const char *name) {
    if (PyObject_GetBuffer(object, view, PyBUF_STRIDES | PyBUF_FORMAT) < 0) {
        return -1;
    }
    if (view->itemsize != 8 || view->ndim != 1 || view->shape[0] != count ||
        view->strides[0] % 8 != 0) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd 64-bit integers", name, count);
        PyBuffer_Release(view);
        return -1;
    }
    *step = view->strides[0] / 8;
    return 0;
}

static int take_flags(PyObject *object, Py_buffer *view, Py_ssize_t count, const char *name) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) return -1;
    if (view->itemsize != 1 || view->len != count) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd contiguous bytes", name, count);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* attempts(n, m, keys, times, masks, seconds, starts, steps, window, level, chain, chosen,
 *          reaches) -> distinct
 *
 * keys, times, masks, seconds: int64[n] of any stride, the rows in (key, time) order
 * (keys: any 64-bit value equal for the rows of one customer; seconds: the second hash
 * of the id);
 * starts: int64[m], the rows that fill step 1, in order. Writes, for each start:
 * level (int64[m]), the steps its earliest chain reaches within `window`; chain
 * (int64[steps * m]), step s's time at [s * m + i], 0 past the level; reaches (bool[m]),
 * whether its level is its customer's best; chosen (bool[m]), whether it is the
 * customer's earliest start of that level (the counted attempt). Returns False when
 * two ids share a key (two second hashes in one run of keys). The same as
 * `funnel_ordered._attempts_numpy`, one customer at a time: what the chains need of a
 * customer's rows is built in a buffer the size of its rows, which stays in the cache.
 */
static PyObject *attempts(PyObject *self, PyObject *args) {
    PyObject *objects[10];
    Py_ssize_t n, m, steps;
    long long window;
    if (!PyArg_ParseTuple(args, "nnOOOOOnLOOOO", &n, &m, &objects[0], &objects[1], &objects[2],
                          &objects[3], &objects[4], &steps, &window, &objects[5], &objects[6],
                          &objects[7], &objects[8])) {
        return NULL;
    }
    if (n < 0 || m < 0 || steps < 1 || steps > 62) {
        PyErr_SetString(PyExc_ValueError, "attempts: bad sizes");
        return NULL;
    }
    Py_buffer views[9];
    Py_ssize_t counts[7] = {n, n, n, n, m, m, steps * m};
    const char *names[9] = {"keys", "times", "masks", "seconds", "starts",
                            "level", "chain", "chosen", "reaches"};
    Py_ssize_t strides[4];
    int taken = 0;
    for (; taken < 9; taken++) {
        int got = taken < 4   ? take_column(objects[taken], &views[taken], counts[taken],
                                            &strides[taken], names[taken])
                  : taken < 7 ? take(objects[taken], &views[taken], counts[taken], taken >= 5,
                                     names[taken])
                              : take_flags(objects[taken], &views[taken], m, names[taken]);
        if (got < 0) break;
    }
    if (taken < 9) {
        for (int i = 0; i < taken; i++) PyBuffer_Release(&views[i]);
        return NULL;
    }
    const int64_t *keys = views[0].buf, *times = views[1].buf, *masks = views[2].buf;
    const int64_t *seconds = views[3].buf, *starts = views[4].buf;
    const Py_ssize_t ks = strides[0], ts = strides[1], ms = strides[2], ss = strides[3];
    int64_t *level = views[5].buf, *chain = views[6].buf;
    char *chosen = views[7].buf, *reaches = views[8].buf;
    Py_ssize_t later = steps - 1, capacity = 0;
    /* For a customer's rows a..b-1 (local index i = row - a, `size` rows): instant[i], the
     * first row of i's instant; following[(s - 1) * (size + 1) + i], the first row at or
     * after i that fills step s, `size` when none. */
    int64_t *instant = NULL, *following = NULL;
    int distinct = 1, failed = 0, bad_start = 0;
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t j = 0;
    for (Py_ssize_t a = 0; a < n && !failed && !bad_start;) {
        Py_ssize_t b = a + 1;
        while (b < n && keys[b * ks] == keys[a * ks]) {
            if (seconds[b * ss] != seconds[a * ss]) distinct = 0;
            b++;
        }
        Py_ssize_t first = j;
        while (j < m && starts[j] < b) {
            if (starts[j] < a || (masks[starts[j] * ms] & 1) == 0) bad_start = 1;
            j++;
        }
        if (j == first || bad_start) {
            a = b;
            continue;
        }
        Py_ssize_t size = b - a;
        if (size + 1 > capacity) {
            capacity = 2 * (size + 1);
            PyMem_RawFree(instant);
            PyMem_RawFree(following);
            instant = PyMem_RawMalloc(sizeof(int64_t) * (size_t)capacity);
            following = PyMem_RawMalloc(sizeof(int64_t) * (size_t)(capacity * (later + 1)));
            if (instant == NULL || following == NULL) {
                failed = 1;
                break;
            }
        }
        const int64_t *t = times + a * ts, *mask = masks + a * ms;
        for (Py_ssize_t i = 0; i < size; i++) {
            instant[i] = i > 0 && t[i * ts] == t[(i - 1) * ts] ? instant[i - 1] : i;
        }
        for (Py_ssize_t s = 1; s <= later; s++) {
            int64_t *next = following + (s - 1) * (size + 1), bit = (int64_t)1 << s;
            int64_t found = size;
            next[size] = size;
            for (Py_ssize_t i = size - 1; i >= 0; i--) {
                if (mask[i * ms] & bit) found = i;
                next[i] = found;
            }
        }
        int64_t best = 0;
        for (Py_ssize_t k = first; k < j; k++) {
            int64_t at = starts[k] - a, t1 = t[at * ts], reached = 1;
            chain[k] = t1;
            for (Py_ssize_t s = 1; s <= later; s++) {
                int64_t next = at < size ? following[(s - 1) * (size + 1) + instant[at]] : size;
                if (next < size && t[next * ts] - t1 <= window) {
                    chain[s * m + k] = t[next * ts];
                    reached++;
                    at = next;
                } else {
                    chain[s * m + k] = 0;
                    at = size;
                }
            }
            level[k] = reached;
            if (reached > best) best = reached;
        }
        int counted = 0;
        for (Py_ssize_t k = first; k < j; k++) {
            reaches[k] = level[k] == best;
            chosen[k] = reaches[k] && !counted;
            counted |= reaches[k];
        }
        a = b;
    }
    if (j < m) bad_start = 1; /* a start past the last row, or out of order */
    Py_END_ALLOW_THREADS
    PyMem_RawFree(instant);
    PyMem_RawFree(following);
    for (int i = 0; i < 9; i++) PyBuffer_Release(&views[i]);
    if (failed) return PyErr_NoMemory();
    if (bad_start) {
        PyErr_SetString(PyExc_ValueError, "attempts: the starts are not rows of step 1 in order");
        return NULL;
    }
    return PyBool_FromLong(distinct);
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

static void insertion_sort(Row *rows, Py_ssize_t count) {
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

/* Sort rows[0:count] by (key, time): by insertion when few (a customer's rows, and the
 * few other keys that share its digits), else, unless already in order, by a merge
 * sort through `spare` (count rows of free space): runs of 16 by insertion, then
 * merged pairwise. */
static void sort_few(Row *rows, Py_ssize_t count, Row *spare) {
    if (count <= 32) {
        insertion_sort(rows, count);
        return;
    }
    Py_ssize_t i = 1;
    while (i < count && !before(&rows[i], &rows[i - 1])) i++;
    if (i == count) return; /* an export in time order needs no more work */
    const Py_ssize_t run = 16;
    for (Py_ssize_t lo = 0; lo < count; lo += run) {
        insertion_sort(rows + lo, count - lo < run ? count - lo : run);
    }
    Row *from = rows, *into = spare;
    for (Py_ssize_t width = run; width < count; width *= 2) {
        for (Py_ssize_t lo = 0; lo < count; lo += 2 * width) {
            Py_ssize_t mid = lo + width < count ? lo + width : count;
            Py_ssize_t hi = lo + 2 * width < count ? lo + 2 * width : count;
            Py_ssize_t x = lo, y = mid, out = lo;
            while (x < mid && y < hi) into[out++] = before(&from[y], &from[x]) ? from[y++] : from[x++];
            while (x < mid) into[out++] = from[x++];
            while (y < hi) into[out++] = from[y++];
        }
        Row *swap = from;
        from = into;
        into = swap;
    }
    if (from != rows) memcpy(rows, from, sizeof(Row) * (size_t)count);
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

/* A range of top-digit buckets to finish: each is split by the next digit into
 * `split`, what shares both digits sorted, and copied back. Two ranges run at once. */
typedef struct {
    Row *rows;
    const Py_ssize_t *buckets;
    int from, to;
    Row *split; /* room for the largest bucket */
    Py_ssize_t parts[DIGITS + 1];
    Py_ssize_t next[DIGITS];
} Buckets;

static void *finish_buckets(void *arg) {
    Buckets *w = arg;
    for (int b = w->from; b < w->to; b++) {
        Row *bucket = w->rows + w->buckets[b];
        Py_ssize_t size = w->buckets[b + 1] - w->buckets[b];
        if (size <= 32) {
            insertion_sort(bucket, size);
            continue;
        }
        digit_starts(bucket, size, 2, w->parts);
        memcpy(w->next, w->parts, sizeof(Py_ssize_t) * DIGITS);
        for (Py_ssize_t i = 0; i < size; i++) w->split[w->next[DIGIT(bucket[i].key, 2)]++] = bucket[i];
        /* The bucket's own rows are free now: the merge sort's spare space. */
        for (int d = 0; d < DIGITS; d++) {
            sort_few(w->split + w->parts[d], w->parts[d + 1] - w->parts[d], bucket + w->parts[d]);
        }
        memcpy(bucket, w->split, sizeof(Row) * (size_t)size);
    }
    return NULL;
}

/* order(keys, times, seconds, masks, scratch, threads): the step rows, given as four
 * lists of chunks (numbers: 64-bit, masks 32- or 64-bit), sorted by (key, time) into
 * scratch (int64[4 n]: n rows of key, time, second hash, mask), the buckets finished
 * on two threads when `threads` allows. The keys are hashes, spread
 * evenly: their top 11 bits split the rows into buckets of a few thousand, which fit
 * in the cache; each bucket is split again by the next 11 bits, and what shares both
 * digits (mostly one customer's rows) is sorted where it lies. Ties keep no particular
 * order (`funnel_ordered` treats the rows of one instant together). */
static PyObject *order(PyObject *self, PyObject *args) {
    PyObject *lists[4], *scratch_obj;
    int threads;
    if (!PyArg_ParseTuple(args, "OOOOOi", &lists[0], &lists[1], &lists[2], &lists[3],
                          &scratch_obj, &threads)) {
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
    Buckets *halves = PyMem_RawCalloc(2, sizeof(Buckets));
    int failed = buckets == NULL || next == NULL || halves == NULL;
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
        /* Two halves of the rows, each a range of whole buckets. */
        int middle = 0;
        while (middle < DIGITS && buckets[middle] < n / 2) middle++;
        for (int h = 0; h < 2; h++) {
            halves[h].rows = rows;
            halves[h].buckets = buckets;
            halves[h].from = h == 0 ? 0 : middle;
            halves[h].to = h == 0 ? middle : DIGITS;
            halves[h].split = PyMem_RawMalloc(sizeof(Row) * (size_t)(largest + 1));
            failed |= halves[h].split == NULL;
        }
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
        pthread_t other;
        /* A second thread only where it pays (and where one can be started). */
        int started = threads > 1 && n >= 65536 &&
                      pthread_create(&other, NULL, finish_buckets, &halves[1]) == 0;
        finish_buckets(&halves[0]);
        if (started) {
            pthread_join(other, NULL);
        } else {
            finish_buckets(&halves[1]);
        }
        Py_END_ALLOW_THREADS
    }
    if (halves != NULL) {
        PyMem_RawFree(halves[0].split);
        PyMem_RawFree(halves[1].split);
    }
    PyMem_RawFree(halves);
    PyMem_RawFree(buckets);
    PyMem_RawFree(next);
    PyBuffer_Release(&scratch_view);
    release_chunks(&given);
    if (failed) return PyErr_NoMemory();
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"order", order, METH_VARARGS, "The step rows' columns in (key, time) order."},
    {"attempts", attempts, METH_VARARGS, "Every start's chain, and each customer's counted one."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_funnel_kernels",
    "The compiled inner loops of engine/funnel_ordered.py.", -1, methods,
};

PyMODINIT_FUNC PyInit__funnel_kernels(void) { return PyModule_Create(&module); }
