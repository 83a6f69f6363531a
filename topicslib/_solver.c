/* The compiled training solver of topicslib: a block of topics' linear SVMs on a shared CSR matrix (and, at the end,
 * the few loops around it that numpy and scipy would do in several passes: leave-one-out norms, the margins of
 * chosen rows and of all, columns' presence counts, and the feature counter's character n-grams and the rows of the feature
 * matrix).
 *
 * Dual coordinate descent for the L2-regularized, L2-loss (squared hinge) SVM with shrinking,
 * the algorithm of LIBLINEAR's -s 1 (Hsieh et al., ICML 2008), written here so that training
 * can do what a call into scikit-learn's LIBLINEAR cannot:
 *   - read the feature matrix in place: LIBLINEAR copies it into its own format on every call
 *     (16 bytes a value, once per topic and fold);
 *   - scale columns on the fly (NB weighting, training.py) instead of materializing a scaled copy;
 *   - fit on a subset of rows (a cross-validation fold) given as row numbers, without a copy;
 *   - start from given dual variables: the fold models start from the full model's, which they
 *     are close to, and converge in a few passes (warm start for cross-validation: Chu, Hsieh
 *     and Lin, KDD 2015);
 *   - fit a block of topics in one pass over the rows: the solver waits on memory, and one reading of a
 *     row serves every topic of the block (each keeps its own dual variables, shrinking and stopping);
 *   - run without the GIL, so threads fit blocks side by side over one copy of the matrix.
 *
 * The feature values are single precision (half the memory traffic of a pass; training's features are
 * float32), the weights and all sums double.
 *
 * The weights are kept in the unscaled feature space (u = w * scale): a margin is then a plain
 * dot product with a row, and the scale enters only through scale^2 in updates and the diagonal.
 * The intercept is an extra feature of value 1, regularized like the others (LIBLINEAR's bias).
 * The row order of each pass comes from the caller's seed and is shared by the block's topics: the same call
 * gives the same weights, and a block of one topic those of LIBLINEAR's algorithm run alone.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Take a C-contiguous buffer of items of the given kind ('f' float, 'i' signed integer) and size, read flat whatever
 * its shape (the block's arrays are rows by topics; fit_svm checks their sizes). */
static int get_buffer(PyObject *obj, Py_buffer *view, char kind, Py_ssize_t itemsize, int writable, const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    const char *f = view->format;
    if (*f == '<' || *f == '=' || *f == '@')
        f++;
    const int ok_kind = kind == 'f' ? strcmp(f, itemsize == 4 ? "f" : "d") == 0 : (strlen(f) == 1 && strchr("bhilq", *f) != NULL);
    if (!ok_kind || view->itemsize != itemsize) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous array of %zd-byte %s", name, itemsize,
                     kind == 'f' ? "floats" : "signed integers");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* get_buffer for each of count objects (writable: a bit for each that is written to); on failure those already taken
 * are released and -1 returned, so a caller holds all or none. */
static int get_buffers(PyObject **objs, Py_buffer *views, int count, const char *kinds, const Py_ssize_t *sizes,
                       const char **names, unsigned writable)
{
    for (int i = 0; i < count; i++)
        if (get_buffer(objs[i], &views[i], kinds[i], sizes[i], (writable >> i) & 1, names[i]) < 0) {
            while (i--)
                PyBuffer_Release(&views[i]);
            return -1;
        }
    return 0;
}

/* get_buffers for a call whose arguments are count arrays and nothing else (at most 16). */
static int get_arg_buffers(PyObject *args, const char *who, Py_buffer *views, int count, const char *kinds,
                           const Py_ssize_t *sizes, const char **names, unsigned writable)
{
    if (PyTuple_GET_SIZE(args) != count) {
        PyErr_Format(PyExc_TypeError, "%s() takes exactly %d arguments (%zd given)", who, count, PyTuple_GET_SIZE(args));
        return -1;
    }
    PyObject *objs[16];
    for (int i = 0; i < count; i++)
        objs[i] = PyTuple_GET_ITEM(args, i);
    return get_buffers(objs, views, count, kinds, sizes, names, writable);
}

static void release_buffers(Py_buffer *views, int count)
{
    for (int i = 0; i < count; i++)
        PyBuffer_Release(&views[i]);
}

/* Whether the row pointers of a CSR matrix of n >= 0 rows and nnz values start at 0, end at nnz and never go back:
 * every stretch a loop reads then lies inside the data (the column indices are checked as they are read). */
static int check_indptr(const int64_t *indptr, Py_ssize_t n, Py_ssize_t nnz, const char *who)
{
    if (indptr[0] != 0 || indptr[n] != nnz) {
        PyErr_Format(PyExc_ValueError, "%s: indptr does not match data", who);
        return -1;
    }
    for (Py_ssize_t r = 0; r < n; r++)
        if (indptr[r + 1] < indptr[r]) {
            PyErr_Format(PyExc_ValueError, "%s: indptr is not sorted", who);
            return -1;
        }
    return 0;
}

/* xorshift64*: a small generator of our own, so the order of updates is the same on every platform. */
static inline uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* The most topics one call fits side by side (a row's mask keeps the topics it is active for, one bit each). */
#define MAX_BLOCK 10

/* The places for topics in each column of the state, for a block of B: B padded to a multiple of 4 (1 and 2 as they
 * are), so that a column's weights and scales (8 bytes each a place) fill whole 64-byte lines or share one evenly, and
 * the weights a margin gathers never straddle two lines. A constant where B is (the kernels below). */
#define WIDTH(B) ((B) <= 2 ? (B) : ((B) + 3) / 4 * 4)

typedef struct {
    const float *data;
    const int32_t *indices;
    const int64_t *indptr;
    const int32_t *rows;         /* the rows trained on, as row numbers of the matrix */
    const int8_t *y;             /* 0/1 label of each of those rows for each topic: y[s * B + b] */
    const double *c_pos, *c_neg; /* each topic's costs */
    Py_ssize_t n_rows, n_features, n_topics;
    double eps;
    long max_iter;
    uint64_t seed;
    double *alpha; /* dual variables alpha[s * B + b]: the start, then the solution */
    /* Column j's weights in the unscaled space, then the squares of its scales: state[j * 2W + b], state[j * 2W + W + b]
     * with W = WIDTH(B), the places after the B topics' left as padding. Side by side because an update reads both for
     * each value: one line of the cache serves the column's topics. After the last column, the intercepts. */
    double *state;
    long *passes; /* receives each topic's number of passes */
} Problem;

#define OUT_OF_MEMORY (-1)
#define BAD_INDEX (-2)
#define BAD_SIZE (-3)

/* How many values ahead in a row a column's weights are asked for, in a block of two topics or more: the block's
 * weights outgrow the L2 cache, and their lines would else be waited for one by one (a block of one fits). */
#define AHEAD 12

/* The B functions below are inlined where B is a constant (see FOR_BLOCK_SIZE): the loops over the block's topics
 * unroll and the sums stay in registers, each topic's its own, summed in the row's order as a lone topic's would be. */

/* What the L2 loss adds to row s's diagonal for topic b, 1 / (2 C), C the cost of the row's class. */
static inline double loss_diagonal(const Problem *p, Py_ssize_t s, Py_ssize_t b, Py_ssize_t B)
{
    return 0.5 / (p->y[s * B + b] ? p->c_pos[b] : p->c_neg[b]);
}

/* The diagonal of row s's update for each topic: the row's squared norm in the topic's scaled space, the bias
 * feature's 1, and the loss term. 0, or BAD_INDEX for a column index out of range, found before any is followed. */
static inline __attribute__((always_inline)) int diagonals_of(const Problem *p, Py_ssize_t s, double *qd,
                                                              const Py_ssize_t B)
{
    const int64_t r = p->rows[s];
    double norm[MAX_BLOCK];
#pragma GCC unroll 10
    for (Py_ssize_t b = 0; b < B; b++)
        norm[b] = 1.0; /* the bias feature */
    for (int64_t k = p->indptr[r]; k < p->indptr[r + 1]; k++) {
        if ((uint64_t)(int64_t)p->indices[k] >= (uint64_t)p->n_features) /* a negative index wraps round to a large one */
            return BAD_INDEX;
        const double *scale2 = p->state + (Py_ssize_t)p->indices[k] * 2 * WIDTH(B) + WIDTH(B);
#pragma GCC unroll 10
        for (Py_ssize_t b = 0; b < B; b++)
            norm[b] += p->data[k] * p->data[k] * scale2[b];
    }
#pragma GCC unroll 10
    for (Py_ssize_t b = 0; b < B; b++)
        qd[s * B + b] = norm[b] + loss_diagonal(p, s, b, B);
    return 0;
}

/* Each topic's margin on row r: its intercept plus the row's values times its weights. */
static inline __attribute__((always_inline)) void margins_of(const Problem *p, int64_t r, double *margin,
                                                             const Py_ssize_t B)
{
    const double *bias = p->state + p->n_features * 2 * WIDTH(B);
    double acc[MAX_BLOCK];
#pragma GCC unroll 10
    for (Py_ssize_t b = 0; b < B; b++)
        acc[b] = bias[b];
    const int64_t end = p->indptr[r + 1];
    for (int64_t k = p->indptr[r]; k < end; k++) {
        if (B > 1 && k + AHEAD < end)
            __builtin_prefetch(p->state + (Py_ssize_t)p->indices[k + AHEAD] * 2 * WIDTH(B));
        const double *u = p->state + (Py_ssize_t)p->indices[k] * 2 * WIDTH(B);
#pragma GCC unroll 10
        for (Py_ssize_t b = 0; b < B; b++)
            acc[b] += u[b] * p->data[k];
    }
#pragma GCC unroll 10
    for (Py_ssize_t b = 0; b < B; b++)
        margin[b] = acc[b];
}

/* margins_of and diagonals_of together, for a row the passes read for the first time (its diagonals still 0): one
 * reading of its values and columns instead of two, each sum made as the two make it. 0, or BAD_INDEX for a column
 * index out of range, found before it is followed. */
static inline __attribute__((always_inline)) int first_margins_of(const Problem *p, Py_ssize_t s, double *qd,
                                                                  double *margin, const Py_ssize_t B)
{
    const int64_t r = p->rows[s];
    const double *bias = p->state + p->n_features * 2 * WIDTH(B);
    double norm[MAX_BLOCK], acc[MAX_BLOCK];
#pragma GCC unroll 10
    for (Py_ssize_t b = 0; b < B; b++) {
        norm[b] = 1.0; /* the bias feature */
        acc[b] = bias[b];
    }
    const int64_t end = p->indptr[r + 1];
    for (int64_t k = p->indptr[r]; k < end; k++) {
        if ((uint64_t)(int64_t)p->indices[k] >= (uint64_t)p->n_features)
            return BAD_INDEX;
        if (B > 1 && k + AHEAD < end)
            __builtin_prefetch(p->state + (Py_ssize_t)p->indices[k + AHEAD] * 2 * WIDTH(B));
        const double *u = p->state + (Py_ssize_t)p->indices[k] * 2 * WIDTH(B), *scale2 = u + WIDTH(B);
#pragma GCC unroll 10
        for (Py_ssize_t b = 0; b < B; b++) {
            norm[b] += p->data[k] * p->data[k] * scale2[b];
            acc[b] += u[b] * p->data[k];
        }
    }
#pragma GCC unroll 10
    for (Py_ssize_t b = 0; b < B; b++) {
        qd[s * B + b] = norm[b] + loss_diagonal(p, s, b, B);
        margin[b] = acc[b];
    }
    return 0;
}

/* Add step[b] times row r, its columns scaled, to each topic's weights (step[b] is 0 for a topic that did not move). */
static inline __attribute__((always_inline)) void add_row_of(const Problem *p, int64_t r, const double *step,
                                                             const Py_ssize_t B)
{
    double d[MAX_BLOCK];
#pragma GCC unroll 10
    for (Py_ssize_t b = 0; b < B; b++)
        d[b] = step[b];
    const int64_t end = p->indptr[r + 1];
    for (int64_t k = p->indptr[r]; k < end; k++) {
        if (B > 1 && k + AHEAD < end)
            __builtin_prefetch(p->state + (Py_ssize_t)p->indices[k + AHEAD] * 2 * WIDTH(B), 1);
        double *restrict u = p->state + (Py_ssize_t)p->indices[k] * 2 * WIDTH(B);
        const double *restrict scale2 = u + WIDTH(B);
#pragma GCC unroll 10
        for (Py_ssize_t b = 0; b < B; b++)
            u[b] += d[b] * p->data[k] * scale2[b];
    }
    double *bias = p->state + p->n_features * 2 * WIDTH(B);
#pragma GCC unroll 10
    for (Py_ssize_t b = 0; b < B; b++)
        bias[b] += d[b];
}

/* Call call(n) with n the block's size as a constant (fit_svm admits 1 to MAX_BLOCK topics). */
#define FOR_BLOCK_SIZE(call, B)                                                                                        \
    switch (B) {                                                                                                       \
    case 1: call(1); break;                                                                                            \
    case 2: call(2); break;                                                                                            \
    case 3: call(3); break;                                                                                            \
    case 4: call(4); break;                                                                                            \
    case 5: call(5); break;                                                                                            \
    case 6: call(6); break;                                                                                            \
    case 7: call(7); break;                                                                                            \
    case 8: call(8); break;                                                                                            \
    case 9: call(9); break;                                                                                            \
    default: call(MAX_BLOCK);                                                                                          \
    }

static int row_diagonals(const Problem *p, Py_ssize_t s, double *qd)
{
    int status = 0;
#define DIAGONALS(n) status = diagonals_of(p, s, qd, n)
    FOR_BLOCK_SIZE(DIAGONALS, p->n_topics)
#undef DIAGONALS
    return status;
}

static int first_margins(const Problem *p, Py_ssize_t s, double *qd, double *margin)
{
    int status = 0;
#define FIRST(n) status = first_margins_of(p, s, qd, margin, n)
    FOR_BLOCK_SIZE(FIRST, p->n_topics)
#undef FIRST
    return status;
}

static void row_margins(const Problem *p, int64_t r, double *margin)
{
#define MARGINS(n) margins_of(p, r, margin, n)
    FOR_BLOCK_SIZE(MARGINS, p->n_topics)
#undef MARGINS
}

static void add_row(const Problem *p, int64_t r, const double *step)
{
#define ADD_ROW(n) add_row_of(p, r, step, n)
    FOR_BLOCK_SIZE(ADD_ROW, p->n_topics)
#undef ADD_ROW
}

/* The weights of the starting dual variables. They come from the rows with a dual above zero for some topic, the
 * only rows read here (and their diagonals with them). The others' diagonals are worked out as the first pass visits
 * them (0: not yet), from the lines its margins then read: a fold's fit starts with three in five of its rows at zero,
 * each read from memory once instead of twice. 0 or BAD_INDEX. */
static int start(const Problem *p, double *qd)
{
    const Py_ssize_t B = p->n_topics, F = p->n_features;
    for (Py_ssize_t j = 0; j <= F; j++)
        memset(p->state + j * 2 * WIDTH(B), 0, sizeof(double) * (size_t)B);
    for (Py_ssize_t s = 0; s < p->n_rows; s++) {
        double a[MAX_BLOCK];
        int warm = 0;
        for (Py_ssize_t b = 0; b < B; b++) {
            a[b] = p->alpha[s * B + b] * (p->y[s * B + b] ? 1.0 : -1.0);
            warm |= a[b] != 0.0;
        }
        if (!warm)
            continue;
        if (row_diagonals(p, s, qd) < 0)
            return BAD_INDEX;
        /* A topic at zero on this row adds zeros, which leave its weights as they are (none is ever -0.0). */
        add_row(p, p->rows[s], a);
    }
    return 0;
}

/* Solve every topic of the block; 0, OUT_OF_MEMORY, or BAD_INDEX for a column index out of range in one of the rows
 * (checked as a row is first read, before any of its indices is followed). Makes no call into Python.
 *
 * Each topic runs LIBLINEAR's algorithm on its own dual variables, with its own shrinking and stopping rule: a row's
 * mask holds the topics it is active for, and a pass visits, in one random order, the rows active for any topic, each
 * once for all of its topics (one reading of a row serves the block). Rows at zero whose gradient exceeds the topic's
 * last largest projected gradient are shrunk for that topic (set aside until its active rows converge; then every row
 * is checked again for it). The L2 loss puts no cap on alpha, so there is no lower bound to track. A warm start is
 * near its solution: it shrinks from its first pass every row at zero that its start already classifies beyond the
 * margin. A topic that has converged on all its rows (or reached max_iter passes) stops. A block of one topic runs
 * exactly LIBLINEAR's algorithm alone. */
static int solve(const Problem *p)
{
    const Py_ssize_t m = p->n_rows, B = p->n_topics;
    double *qd = calloc((size_t)(m ? m * B : 1), sizeof(double));
    Py_ssize_t *index = malloc(sizeof(Py_ssize_t) * (size_t)(m ? m : 1));
    uint32_t *mask = malloc(sizeof(uint32_t) * (size_t)(m ? m : 1));
    int status = 0;
    if (!qd || !index || !mask) {
        status = OUT_OF_MEMORY;
        goto done;
    }
    if ((status = start(p, qd)) < 0)
        goto done;
    const uint32_t all = (1u << B) - 1u;
    for (Py_ssize_t s = 0; s < m; s++) {
        index[s] = s;
        mask[s] = all;
    }
    double pg_max_old[MAX_BLOCK];
    Py_ssize_t n_active[MAX_BLOCK]; /* each topic's count of active rows */
    for (Py_ssize_t b = 0; b < B; b++) {
        int warm = 0;
        for (Py_ssize_t s = 0; s < m && !warm; s++)
            warm = p->alpha[s * B + b] > 0.0;
        pg_max_old[b] = warm ? 0.0 : INFINITY;
        n_active[b] = m;
    }
    uint64_t state = p->seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
    if (state == 0)
        state = 1;
    Py_ssize_t active = m; /* rows active for some topic: index[0, active) */
    uint32_t running = all;
    long iter = 0;
    while (running && iter < p->max_iter) {
        double pg_max[MAX_BLOCK], pg_min[MAX_BLOCK];
        for (Py_ssize_t b = 0; b < B; b++) {
            pg_max[b] = -INFINITY;
            pg_min[b] = INFINITY;
        }
        for (Py_ssize_t s = 0; s + 1 < active; s++) { /* Fisher-Yates over the active rows */
            Py_ssize_t j = s + (Py_ssize_t)(next_random(&state) % (uint64_t)(active - s));
            Py_ssize_t t = index[s];
            index[s] = index[j];
            index[j] = t;
        }
        for (Py_ssize_t s = 0; s < active; s++) {
            const Py_ssize_t i = index[s];
            const int64_t r = p->rows[i];
            if (s + 1 < active) {
                /* Ask for the next row's values a cache line at a time (16 items of 4 bytes) ahead of their use:
                 * a pass visits rows in random order, each a jump elsewhere in a matrix far larger than the
                 * caches, and its first lines would otherwise be read one miss at a time. (Written here, not
                 * in a function: GCC deletes a call to a function that only prefetches, as one without effect.) */
                const Py_ssize_t ni = index[s + 1];
                const int64_t next = p->rows[ni], stop = p->indptr[next + 1];
                for (int64_t k = p->indptr[next]; k < stop; k += 16) {
                    __builtin_prefetch(p->data + k);
                    __builtin_prefetch(p->indices + k);
                }
                /* and its dual variables, diagonals, labels and mask, each a random line of arrays of rows */
                __builtin_prefetch(qd + ni * B);
                __builtin_prefetch(p->alpha + ni * B, 1);
                __builtin_prefetch(p->y + ni * B);
                __builtin_prefetch(mask + ni, 1);
            }
            double margin[MAX_BLOCK], step[MAX_BLOCK];
            if (qd[i * B] != 0.0)
                row_margins(p, r, margin);
            else if ((status = first_margins(p, i, qd, margin)) < 0)
                goto done;
            int moved = 0;
            for (Py_ssize_t b = 0; b < B; b++) {
                step[b] = 0.0;
                if (!(mask[i] >> b & 1u))
                    continue;
                double *alpha = p->alpha + i * B + b;
                const double yi = p->y[i * B + b] ? 1.0 : -1.0;
                const double diag = loss_diagonal(p, i, b, B);
                const double g = yi * margin[b] - 1.0 + *alpha * diag;
                double pg = 0.0;
                if (*alpha == 0.0) {
                    if (g > pg_max_old[b]) { /* shrink: this row is likely to stay at zero for this topic */
                        mask[i] &= ~(1u << b);
                        n_active[b]--;
                        continue;
                    }
                    if (g < 0.0)
                        pg = g;
                } else {
                    pg = g;
                }
                if (pg > pg_max[b])
                    pg_max[b] = pg;
                if (pg < pg_min[b])
                    pg_min[b] = pg;
                if (fabs(pg) > 1e-12) {
                    const double old = *alpha;
                    *alpha = fmax(old - g / qd[i * B + b], 0.0);
                    step[b] = (*alpha - old) * yi;
                    moved = 1;
                }
            }
            if (moved)
                add_row(p, r, step);
            if (mask[i] == 0) { /* no topic is active on this row any more */
                active--;
                index[s] = index[active];
                index[active] = i;
                s--;
            }
        }
        iter++;
        for (Py_ssize_t b = 0; b < B; b++) {
            if (!(running >> b & 1u))
                continue;
            if (pg_max[b] - pg_min[b] <= p->eps) {
                if (n_active[b] == m) { /* converged on every row: this topic stops */
                    running &= ~(1u << b);
                    p->passes[b] = iter;
                    for (Py_ssize_t s = 0; s < m; s++)
                        mask[s] &= ~(1u << b);
                    continue;
                }
                for (Py_ssize_t s = 0; s < m; s++) /* converged on its active rows: check them all once more */
                    mask[s] |= 1u << b;
                n_active[b] = m;
                active = m;
                pg_max_old[b] = INFINITY;
                continue;
            }
            pg_max_old[b] = pg_max[b] > 0.0 ? pg_max[b] : INFINITY;
        }
        for (Py_ssize_t s = 0; s < active;) { /* rows left to no running topic leave the passes */
            if (mask[index[s]] == 0) {
                const Py_ssize_t t = index[s];
                index[s] = index[--active];
                index[active] = t;
            } else {
                s++;
            }
        }
    }
    for (Py_ssize_t b = 0; b < B; b++)
        if (running >> b & 1u)
            p->passes[b] = iter;
done:
    free(qd);
    free(index);
    free(mask);
    return status;
}

PyDoc_STRVAR(fit_svm_doc,
             "fit_svm(data, indices, indptr, rows, y, state, c_pos, c_neg, eps, max_iter, seed, alpha) -> passes\n\n"
             "Fit a block of B topics' L2-loss linear SVMs (1 <= B <= 10) on the given rows of a CSR matrix (float32\n"
             "data, int32 indices, int64 indptr). y (int8, rows by topics) holds the 0/1 labels; c_pos and c_neg\n"
             "(float64, one per topic) the costs; alpha (float64, rows by topics) the starting dual variables, and\n"
             "receives the solution. state (float64, (n_features + 1) x 2 x state_width(B): topic b in place b, the rest\n"
             "padding) holds in state[j, 1] the squares of column j's scales for each topic, and receives in\n"
             "state[j, 0] its weights in the unscaled space and in state[n_features, 0] the intercepts. Returns each topic's number of passes. A column index out of range\n"
             "in one of the rows is a ValueError (the rows not fitted on are never read).");

static PyObject *fit_svm(PyObject *self, PyObject *args)
{
    PyObject *objs[9];
    double eps;
    long max_iter;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "OOOOOOOOdlKO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4], &objs[5], &objs[6],
                          &objs[7], &eps, &max_iter, &seed, &objs[8]))
        return NULL;
    if (!(eps > 0.0) || max_iter < 1) {
        PyErr_SetString(PyExc_ValueError, "fit_svm: eps must be > 0 and max_iter >= 1");
        return NULL;
    }
    Py_buffer b[9];
    const char kinds[9] = {'f', 'i', 'i', 'i', 'i', 'f', 'f', 'f', 'f'};
    const Py_ssize_t sizes[9] = {4, 4, 8, 4, 1, 8, 8, 8, 8};
    const char *names[9] = {"data", "indices", "indptr", "rows", "y", "state", "c_pos", "c_neg", "alpha"};
    long passes[MAX_BLOCK];
    PyObject *result = NULL;
    if (get_buffers(objs, b, 9, kinds, sizes, names, 1u << 5 | 1u << 8) < 0)
        return NULL;
    const Py_ssize_t B = b[6].len / 8, m = b[3].len / 4, n_matrix_rows = b[2].len / 8 - 1;
    if (B < 1 || B > MAX_BLOCK) {
        PyErr_Format(PyExc_ValueError, "fit_svm: between 1 and %d topics at a time", MAX_BLOCK);
        goto done;
    }
    Problem p = {
        .data = b[0].buf, .indices = b[1].buf, .indptr = b[2].buf, .rows = b[3].buf, .y = b[4].buf,
        .c_pos = b[6].buf, .c_neg = b[7].buf, .n_rows = m, .n_features = b[5].len / 8 / (2 * WIDTH(B)) - 1, .n_topics = B,
        .eps = eps, .max_iter = max_iter, .seed = (uint64_t)seed, .alpha = b[8].buf, .state = b[5].buf,
        .passes = passes,
    };
    /* the state's shape too, not its size alone: a block's state of the wrong width could have a right size */
    if (b[0].len != b[1].len || n_matrix_rows < 0 || b[4].len != m * B || b[5].ndim != 3 || b[5].shape[1] != 2 ||
        b[5].shape[2] != WIDTH(B) || p.n_features < 0 || b[7].len / 8 != B || b[8].len / 8 != m * B) {
        PyErr_SetString(PyExc_ValueError, "fit_svm: array sizes do not agree");
        goto done;
    }
    for (Py_ssize_t t = 0; t < B; t++)
        if (!(p.c_pos[t] > 0.0) || !(p.c_neg[t] > 0.0)) {
            PyErr_SetString(PyExc_ValueError, "fit_svm: c_pos and c_neg must be > 0");
            goto done;
        }
    /* Check every index the loops will follow, so a bad array is an error rather than a crash: here the row
     * structure; the column indices of the rows trained on as solve first reads them (a pass over the whole
     * matrix here cost each fit as much again as reading it from memory). */
    if (check_indptr(p.indptr, n_matrix_rows, b[0].len / 4, "fit_svm") < 0)
        goto done;
    for (Py_ssize_t s = 0; s < m * B; s++)
        if (p.rows[s / B] < 0 || p.rows[s / B] >= n_matrix_rows || !(p.alpha[s] >= 0.0)) {
            PyErr_SetString(PyExc_ValueError, "fit_svm: a row number is out of range or a start is negative");
            goto done;
        }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = solve(&p);
    Py_END_ALLOW_THREADS
    if (status == OUT_OF_MEMORY) {
        PyErr_NoMemory();
        goto done;
    }
    if (status == BAD_INDEX) {
        PyErr_SetString(PyExc_ValueError, "fit_svm: a column index is out of range");
        goto done;
    }
    result = PyTuple_New(B);
    for (Py_ssize_t t = 0; result && t < B; t++) {
        PyObject *n = PyLong_FromLong(passes[t]);
        if (!n) {
            Py_CLEAR(result);
            break;
        }
        PyTuple_SET_ITEM(result, t, n);
    }
done:
    release_buffers(b, 9);
    return result;
}

/* The squared norm of each of the rows asked for (rows, m of them) under the inverse of the diagonal of each of B
 * topics' curvature without that row (training.estimated_oof_margins): with v = value^2 * scale2[column, topic], the
 * column's curvature is 1 plus the sum of curvature[row, topic] * v over all rows, and norm[s, topic] the sum over row
 * rows[s] of v / (that curvature - the row's own share). The B topics share each reading of a row; each topic's sums
 * are its own, in row order. A row of no curvature for any topic adds nothing to a column's (+0.0 to sums of terms
 * >= 0, which leaves them as they are) and is not read for them. */
static inline __attribute__((always_inline)) int loo_norms_of(const float *data, const int32_t *indices,
                                                              const int64_t *indptr, Py_ssize_t n_rows,
                                                              Py_ssize_t n_features, const double *scale2,
                                                              const double *curvature, const int32_t *rows,
                                                              Py_ssize_t m, double *norm, double *column,
                                                              const Py_ssize_t B)
{
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        const double *c = curvature + r * B;
        int curved = 0;
#pragma GCC unroll 10
        for (Py_ssize_t b = 0; b < B; b++)
            curved |= c[b] != 0.0;
        if (!curved)
            continue;
        for (int64_t k = indptr[r]; k < indptr[r + 1]; k++) {
            if ((uint64_t)(int64_t)indices[k] >= (uint64_t)n_features)
                return BAD_INDEX;
            const double x = data[k], x2 = x * x;
            const double *s2 = scale2 + (Py_ssize_t)indices[k] * B;
            double *col = column + (Py_ssize_t)indices[k] * B;
#pragma GCC unroll 10
            for (Py_ssize_t b = 0; b < B; b++)
                col[b] += c[b] * (x2 * s2[b]);
        }
    }
    for (Py_ssize_t s = 0; s < m; s++) {
        const int64_t r = rows[s];
        const double *c = curvature + r * B;
        double out[MAX_BLOCK];
#pragma GCC unroll 10
        for (Py_ssize_t b = 0; b < B; b++)
            out[b] = 0.0;
        for (int64_t k = indptr[r]; k < indptr[r + 1]; k++) {
            if ((uint64_t)(int64_t)indices[k] >= (uint64_t)n_features) /* a row of no curvature is first read here */
                return BAD_INDEX;
            const double x = data[k], x2 = x * x;
            const double *s2 = scale2 + (Py_ssize_t)indices[k] * B, *col = column + (Py_ssize_t)indices[k] * B;
#pragma GCC unroll 10
            for (Py_ssize_t b = 0; b < B; b++) {
                const double v = x2 * s2[b];
                out[b] += v / ((1.0 + col[b]) - c[b] * v);
            }
        }
#pragma GCC unroll 10
        for (Py_ssize_t b = 0; b < B; b++)
            norm[s * B + b] = out[b];
    }
    return 0;
}

/* loo_norms_of for B topics, B at most MAX_BLOCK: called with B a constant, so that each row's sums stay in
 * registers and the divisions of the block's topics go two to an instruction (0.118 -> 0.089 s a block of 5 topics on
 * the default model; the same bits: each topic's sum keeps its order). */
static int leave_one_out_norms(const float *data, const int32_t *indices, const int64_t *indptr, Py_ssize_t n_rows,
                               Py_ssize_t n_features, Py_ssize_t B, const double *scale2, const double *curvature,
                               const int32_t *rows, Py_ssize_t m, double *norm)
{
    double *column = calloc((size_t)(n_features > 0 ? n_features : 1) * (size_t)B, sizeof(double));
    if (!column)
        return OUT_OF_MEMORY;
    int status;
    switch (B) {
#define NORMS(n) case n: status = loo_norms_of(data, indices, indptr, n_rows, n_features, scale2, curvature, rows, m, norm, column, n); break;
    NORMS(1) NORMS(2) NORMS(3) NORMS(4) NORMS(5) NORMS(6) NORMS(7) NORMS(8) NORMS(9) NORMS(10)
#undef NORMS
    default: status = BAD_SIZE;
    }
    free(column);
    return status;
}

PyDoc_STRVAR(leave_one_out_norms_doc,
             "leave_one_out_norms(data, indices, indptr, scale2, curvature, rows, norm)\n--\n\n"
             "The squared norm of each of rows (int32 row numbers) under the inverse diagonal curvature of each\n"
             "topic's other rows, into norm (float64, len(rows) by topics). data float32, indices int32, indptr int64\n"
             "(a CSR matrix), scale2 float64 (columns by topics), curvature float64 (rows by topics).");

static PyObject *py_leave_one_out_norms(PyObject *self, PyObject *args)
{
    Py_buffer b[7];
    const char kinds[7] = {'f', 'i', 'i', 'f', 'f', 'i', 'f'};
    const Py_ssize_t sizes[7] = {4, 4, 8, 8, 8, 4, 8};
    const char *names[7] = {"data", "indices", "indptr", "scale2", "curvature", "rows", "norm"};
    PyObject *result = NULL;
    if (get_arg_buffers(args, "leave_one_out_norms", b, 7, kinds, sizes, names, 1u << 6) < 0)
        return NULL;
    const Py_ssize_t n = b[2].len / 8 - 1, m = b[5].len / 4;
    const int64_t *indptr = b[2].buf;
    const int32_t *rows = b[5].buf;
    /* topics: the curvature's items per row (rows by topics); a matrix of no rows has none to score */
    const Py_ssize_t B = n > 0 ? b[4].len / 8 / n : 1;
    if (b[0].len / 4 != b[1].len / 4 || n < 0 || B < 1 || b[4].len / 8 != n * B || b[6].len / 8 != m * B ||
        b[3].len / 8 % B != 0) {
        PyErr_SetString(PyExc_ValueError, "leave_one_out_norms: array sizes do not agree");
        goto done;
    }
    if (check_indptr(indptr, n, b[0].len / 4, "leave_one_out_norms") < 0)
        goto done;
    for (Py_ssize_t s = 0; s < m; s++)
        if (rows[s] < 0 || rows[s] >= n) {
            PyErr_SetString(PyExc_ValueError, "leave_one_out_norms: a row number is out of range");
            goto done;
        }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = leave_one_out_norms(b[0].buf, b[1].buf, indptr, n, b[3].len / 8 / B, B, b[3].buf, b[4].buf, rows, m,
                                 b[6].buf);
    Py_END_ALLOW_THREADS
    if (status == OUT_OF_MEMORY)
        PyErr_NoMemory();
    else if (status == BAD_INDEX)
        PyErr_SetString(PyExc_ValueError, "leave_one_out_norms: a column index is out of range");
    else if (status == BAD_SIZE)
        PyErr_Format(PyExc_ValueError, "leave_one_out_norms: between 1 and %d topics at a time", MAX_BLOCK);
    else
        result = Py_NewRef(Py_None);
done:
    release_buffers(b, 7);
    return result;
}

/* The margins of a linear model (weights w, one per column, and a bias) on the given rows of a CSR matrix: each the
 * bias plus the row's values times their weights, summed in the row's stored order as scipy's product sums them. */
static int row_margins_of(const float *data, const int32_t *indices, const int64_t *indptr, Py_ssize_t n_features,
                          const int32_t *rows, Py_ssize_t m, const double *w, double bias, double *out)
{
    for (Py_ssize_t s = 0; s < m; s++) {
        double sum = 0.0;
        for (int64_t k = indptr[rows[s]]; k < indptr[rows[s] + 1]; k++) {
            if ((uint64_t)(int64_t)indices[k] >= (uint64_t)n_features)
                return BAD_INDEX;
            sum += (double)data[k] * w[indices[k]];
        }
        out[s] = sum + bias;
    }
    return 0;
}

PyDoc_STRVAR(row_margins_doc,
             "row_margins(data, indices, indptr, rows, w, bias, out)\n--\n\n"
             "A linear model's margins on rows of a CSR matrix, without copying them out: out[s] = bias + the sum of\n"
             "row rows[s]'s values times w. data float32, indices int32, indptr int64, rows int32, w and out float64.");

static PyObject *py_row_margins(PyObject *self, PyObject *args)
{
    PyObject *objs[6];
    double bias;
    if (!PyArg_ParseTuple(args, "OOOOOdO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4], &bias, &objs[5]))
        return NULL;
    Py_buffer b[6];
    const char kinds[6] = {'f', 'i', 'i', 'i', 'f', 'f'};
    const Py_ssize_t sizes[6] = {4, 4, 8, 4, 8, 8};
    const char *names[6] = {"data", "indices", "indptr", "rows", "w", "out"};
    PyObject *result = NULL;
    if (get_buffers(objs, b, 6, kinds, sizes, names, 1u << 5) < 0)
        return NULL;
    const Py_ssize_t n = b[2].len / 8 - 1, m = b[3].len / 4;
    const int32_t *rows = b[3].buf;
    if (b[0].len / 4 != b[1].len / 4 || n < 0 || b[5].len / 8 != m) {
        PyErr_SetString(PyExc_ValueError, "row_margins: array sizes do not agree");
        goto done;
    }
    if (check_indptr(b[2].buf, n, b[0].len / 4, "row_margins") < 0)
        goto done;
    for (Py_ssize_t s = 0; s < m; s++)
        if (rows[s] < 0 || rows[s] >= n) {
            PyErr_SetString(PyExc_ValueError, "row_margins: a row number is out of range");
            goto done;
        }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = row_margins_of(b[0].buf, b[1].buf, b[2].buf, b[4].len / 8, rows, m, b[4].buf, bias, b[5].buf);
    Py_END_ALLOW_THREADS
    if (status == BAD_INDEX)
        PyErr_SetString(PyExc_ValueError, "row_margins: a column index is out of range");
    else
        result = Py_NewRef(Py_None);
done:
    release_buffers(b, 6);
    return result;
}

/* In how many of the rows picked (picked[r] != 0) each column holds a value, added to counts: one pass over those rows'
 * column indices, with no copy of them (the NB scales of each topic and fold count its rows). 0 or BAD_INDEX. */
static int presence_counts_of(const int32_t *indices, const int64_t *indptr, Py_ssize_t n_rows, const int8_t *picked,
                              Py_ssize_t n_features, double *counts)
{
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        if (!picked[r])
            continue;
        for (int64_t k = indptr[r]; k < indptr[r + 1]; k++) {
            if ((uint64_t)(int64_t)indices[k] >= (uint64_t)n_features)
                return BAD_INDEX;
            counts[indices[k]] += 1.0;
        }
    }
    return 0;
}

PyDoc_STRVAR(presence_counts_doc,
             "presence_counts(indices, indptr, picked, counts)\n--\n\n"
             "Add to counts[j] (float64, a value per column) the number of rows r with picked[r] != 0 (int8, a value\n"
             "per row) whose stretch of indices (int32; indptr int64) holds j.");

static PyObject *py_presence_counts(PyObject *self, PyObject *args)
{
    Py_buffer b[4];
    const char kinds[4] = {'i', 'i', 'i', 'f'};
    const Py_ssize_t sizes[4] = {4, 8, 1, 8};
    const char *names[4] = {"indices", "indptr", "picked", "counts"};
    PyObject *result = NULL;
    if (get_arg_buffers(args, "presence_counts", b, 4, kinds, sizes, names, 1u << 3) < 0)
        return NULL;
    const Py_ssize_t n = b[1].len / 8 - 1;
    if (n < 0 || b[2].len != n) {
        PyErr_SetString(PyExc_ValueError, "presence_counts: array sizes do not agree");
        goto done;
    }
    if (check_indptr(b[1].buf, n, b[0].len / 4, "presence_counts") < 0)
        goto done;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = presence_counts_of(b[0].buf, b[1].buf, n, b[2].buf, b[3].len / 8, b[3].buf);
    Py_END_ALLOW_THREADS
    if (status == BAD_INDEX)
        PyErr_SetString(PyExc_ValueError, "presence_counts: a column index is out of range");
    else
        result = Py_NewRef(Py_None);
done:
    release_buffers(b, 4);
    return result;
}

/* The number of key in index (key -> number), giving a key not yet there the next number, len(names), and appending
 * it to names (features.number_tokens' numbering); -1 with an exception set on failure. */
static Py_ssize_t number_of(PyObject *index, PyObject *names, PyObject *key)
{
    PyObject *known = PyDict_GetItemWithError(index, key); /* borrowed */
    if (known) {
        const Py_ssize_t number = PyLong_AsSsize_t(known);
        if (number < 0 && !PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "the index holds a negative number");
        return number;
    }
    if (PyErr_Occurred())
        return -1;
    const Py_ssize_t number = PyList_GET_SIZE(names);
    PyObject *value = PyLong_FromSsize_t(number);
    const int failed = !value || PyDict_SetItem(index, key, value) < 0 || PyList_Append(names, key) < 0;
    Py_XDECREF(value);
    return failed ? -1 : number;
}

/* Each string's number through index and names (number_of), into out; returns how many. (Any hashable item is
 * numbered as the dictionary sees it, as features.number_tokens numbers them.) */
static PyObject *py_number_strings(PyObject *self, PyObject *args)
{
    PyObject *strings, *index, *names, *out_obj;
    if (!PyArg_ParseTuple(args, "O!O!O!O", &PyList_Type, &strings, &PyDict_Type, &index, &PyList_Type, &names, &out_obj))
        return NULL;
    Py_buffer b;
    if (get_buffer(out_obj, &b, 'i', 8, 1, "out") < 0)
        return NULL;
    int64_t *out = b.buf;
    const Py_ssize_t n = PyList_GET_SIZE(strings);
    PyObject *result = NULL;
    if (b.len / 8 < n) {
        PyErr_SetString(PyExc_ValueError, "number_strings: out cannot hold the numbers");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if ((out[i] = number_of(index, names, PyList_GET_ITEM(strings, i))) < 0)
            goto done;
    }
    result = PyLong_FromSsize_t(n);
done:
    PyBuffer_Release(&b);
    return result;
}

/* Each word's character n-grams (lo to hi characters of the word padded with a space each side, as
 * features.char_ngrams makes them; none for a word longer than max_len), numbered through index and names
 * (number_of), into out, word after word; returns how many. */
static PyObject *py_char_gram_numbers(PyObject *self, PyObject *args)
{
    PyObject *words, *index, *names, *out_obj;
    Py_ssize_t lo, hi, max_len;
    if (!PyArg_ParseTuple(args, "O!nnnO!O!O", &PyList_Type, &words, &lo, &hi, &max_len, &PyDict_Type, &index,
                          &PyList_Type, &names, &out_obj))
        return NULL;
    if (lo < 1 || hi < lo) {
        PyErr_SetString(PyExc_ValueError, "char_gram_numbers: need 1 <= lo <= hi");
        return NULL;
    }
    Py_buffer b;
    if (get_buffer(out_obj, &b, 'i', 8, 1, "out") < 0)
        return NULL;
    int64_t *out = b.buf;
    const Py_ssize_t capacity = b.len / 8;
    Py_ssize_t at = 0;
    PyObject *result = NULL;
    for (Py_ssize_t w = 0; w < PyList_GET_SIZE(words); w++) {
        PyObject *word = PyList_GET_ITEM(words, w);
        if (!PyUnicode_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "char_gram_numbers: words must be strings");
            goto done;
        }
        if (PyUnicode_GET_LENGTH(word) > max_len)
            continue;
        PyObject *padded = PyUnicode_FromFormat(" %U ", word);
        if (!padded)
            goto done;
        const Py_ssize_t length = PyUnicode_GET_LENGTH(padded);
        for (Py_ssize_t n = lo; n <= hi; n++)
            for (Py_ssize_t i = 0; i + n <= length; i++) {
                PyObject *gram = PyUnicode_Substring(padded, i, i + n);
                const Py_ssize_t number = gram ? number_of(index, names, gram) : -1;
                Py_XDECREF(gram);
                if (number >= 0 && at >= capacity)
                    PyErr_SetString(PyExc_ValueError, "char_gram_numbers: out cannot hold the numbers");
                if (number < 0 || at >= capacity) {
                    Py_DECREF(padded);
                    goto done;
                }
                out[at++] = number;
            }
        Py_DECREF(padded);
    }
    result = PyLong_FromSsize_t(at);
done:
    PyBuffer_Release(&b);
    return result;
}

/* A set of small non-negative numbers (columns, n-grams) met in one row, as a bit each in seen (all clear between
 * rows), with the stretch of seen's words that hold bits: what a row marks comes out in order with no sort, and
 * clearing it costs that stretch, not all of seen. */
typedef struct {
    uint64_t *seen;
    Py_ssize_t lo, hi; /* words lo..hi of seen may hold bits: lo > hi for none */
} Marks;

static inline Marks marks_of(uint64_t *seen)
{
    return (Marks){seen, PY_SSIZE_T_MAX, -1};
}

/* Mark e; whether it was not marked before. */
static inline int marks_add(Marks *m, int64_t e)
{
    const Py_ssize_t word = (Py_ssize_t)(e >> 6);
    const uint64_t bit = 1ULL << (e & 63);
    if (m->seen[word] & bit)
        return 0;
    m->seen[word] |= bit;
    if (word < m->lo)
        m->lo = word;
    if (word > m->hi)
        m->hi = word;
    return 1;
}

/* The smallest marked number, cleared, or -1 when none is left (then seen is all clear again). */
static inline Py_ssize_t marks_next(Marks *m)
{
    for (; m->lo <= m->hi; m->lo++) {
        const uint64_t bits = m->seen[m->lo];
        if (bits) {
            m->seen[m->lo] = bits & (bits - 1);
            return m->lo * 64 + __builtin_ctzll(bits);
        }
    }
    return -1;
}

/* In how many rows each element occurs, where row r holds the union of the sets of its items: items
 * row_items[row_ptr[r]:row_ptr[r + 1]], item i's set set_items[set_ptr[i]:set_ptr[i + 1]] (elements below n). Added to
 * counts; seen (a bit per element, zeros on entry) is scratch. 0 or BAD_INDEX. */
static int union_counts_of(Py_ssize_t n_rows, const int64_t *row_ptr, const int32_t *row_items, Py_ssize_t n_items,
                           const int64_t *set_ptr, const int64_t *set_items, Py_ssize_t n, uint64_t *seen,
                           int64_t *counts)
{
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        Marks marks = marks_of(seen);
        for (int64_t j = row_ptr[r]; j < row_ptr[r + 1]; j++) {
            const int64_t item = row_items[j];
            if (item < 0 || item >= n_items)
                return BAD_INDEX;
            for (int64_t k = set_ptr[item]; k < set_ptr[item + 1]; k++) {
                const int64_t e = set_items[k];
                if (e < 0 || e >= n)
                    return BAD_INDEX;
                marks_add(&marks, e);
            }
        }
        for (Py_ssize_t e; (e = marks_next(&marks)) >= 0;)
            counts[e]++;
    }
    return 0;
}

PyDoc_STRVAR(union_counts_doc,
             "union_counts(row_ptr, row_items, set_ptr, set_items, counts)\n--\n\n"
             "Add to counts[e] (int64, a value per element) the number of rows whose items' sets, together, hold e:\n"
             "row r's items are row_items[row_ptr[r]:row_ptr[r + 1]] (int32), item i's set\n"
             "set_items[set_ptr[i]:set_ptr[i + 1]] (int64; pointers int64). Character n-grams' document frequencies:\n"
             "rows are texts, items their distinct words, sets each word's n-grams.");

static PyObject *py_union_counts(PyObject *self, PyObject *args)
{
    Py_buffer b[5];
    const char kinds[5] = {'i', 'i', 'i', 'i', 'i'};
    const Py_ssize_t sizes[5] = {8, 4, 8, 8, 8};
    const char *names[5] = {"row_ptr", "row_items", "set_ptr", "set_items", "counts"};
    PyObject *result = NULL;
    uint64_t *seen = NULL;
    if (get_arg_buffers(args, "union_counts", b, 5, kinds, sizes, names, 1u << 4) < 0)
        return NULL;
    const Py_ssize_t n_rows = b[0].len / 8 - 1, n_items = b[2].len / 8 - 1, n = b[4].len / 8;
    if (n_rows < 0 || n_items < 0) {
        PyErr_SetString(PyExc_ValueError, "union_counts: array sizes do not agree");
        goto done;
    }
    if (check_indptr(b[0].buf, n_rows, b[1].len / 4, "union_counts") < 0 ||
        check_indptr(b[2].buf, n_items, b[3].len / 8, "union_counts") < 0)
        goto done;
    seen = calloc((size_t)(n / 64 + 1), sizeof(uint64_t));
    if (!seen) {
        PyErr_NoMemory();
        goto done;
    }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = union_counts_of(n_rows, b[0].buf, b[1].buf, n_items, b[2].buf, b[3].buf, n, seen, b[4].buf);
    Py_END_ALLOW_THREADS
    if (status == BAD_INDEX)
        PyErr_SetString(PyExc_ValueError, "union_counts: an item or element is out of range");
    else
        result = Py_NewRef(Py_None);
done:
    free(seen);
    release_buffers(b, 5);
    return result;
}

/* An open-addressing hash table of an n-gram index level's keys (distinct, >= 0): slot[i] holds a key's position in
 * the level, or -1; looking a key up costs a probe or two where a binary search over the level took 17 dependent
 * reads (count_rows on the default examples 0.10 -> 0.06 s). */
typedef struct {
    const int64_t *keys; /* the level's keys */
    int64_t *slot;
    int bits;
} Level;

static inline Py_ssize_t slot_of(const Level *t, int64_t key)
{
    return (Py_ssize_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> (64 - t->bits));
}

/* Fill t's slots (2^bits of them, bits >= 1, at least twice the n keys) with the positions of keys[0:n]. */
static void level_fill(Level *t, const int64_t *keys, Py_ssize_t n)
{
    const Py_ssize_t size = (Py_ssize_t)1 << t->bits;
    t->keys = keys;
    for (Py_ssize_t i = 0; i < size; i++)
        t->slot[i] = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t h = slot_of(t, keys[i]);
        while (t->slot[h] >= 0)
            h = (h + 1) & (size - 1);
        t->slot[h] = i;
    }
}

/* The position of key in t's level, or -1. */
static inline Py_ssize_t level_find(const Level *t, int64_t key)
{
    const Py_ssize_t mask = ((Py_ssize_t)1 << t->bits) - 1;
    for (Py_ssize_t h = slot_of(t, key);; h = (h + 1) & mask) {
        const int64_t at = t->slot[h];
        if (at < 0 || t->keys[at] == key)
            return at;
    }
}

typedef struct {
    const int32_t *ids;               /* every text's word numbers, one text after another */
    const int64_t *indptr;            /* where each text's start */
    const int64_t *unigram, *ngram_word; /* each word's word-block column and id in the n-gram index (-1: none) */
    const int64_t *level_ptr, *level_keys, *level_features; /* the n-gram index's levels n = 2, 3, ... */
    const Level *levels;              /* their hash tables */
    Py_ssize_t n_levels, n_words, n_cols, lo;
    int64_t width;
} Counting;

/* Numbered.count in one pass over the texts picked: each text's distinct words in order of first appearance with their
 * counts (wd, wi, wn), and its word block by column with counts (bd, bc, bn): its words' columns, and the n-grams
 * (lo words or more) the index finds, walking the levels from each token as NgramIndex.find does (a level's keys
 * looked up in its hash table). stamp and slot (a
 * value per word) and seen, count (a bit and a value per column) are scratch, stamp all -1 and seen all 0 on entry;
 * a text's columns come out of seen in order.
 * Returns the number of words written (the block's in *n_block), or BAD_INDEX. */
static Py_ssize_t count_rows_of(const Counting *c, const int64_t *picked, Py_ssize_t n_picked, int64_t *stamp,
                                int64_t *slot, uint64_t *seen, double *count, int64_t *wd, int64_t *wi, int64_t *wn,
                                int64_t *bd, int64_t *bc, double *bn, Py_ssize_t *n_block)
{
    Py_ssize_t nw = 0, nb = 0;
    for (Py_ssize_t d = 0; d < n_picked; d++) {
        const int64_t start = c->indptr[picked[d]], end = c->indptr[picked[d] + 1];
        Marks marks = marks_of(seen);
#define MARK(col)                                                                                                      \
    do {                                                                                                               \
        const int64_t m_ = (col);                                                                                      \
        if (m_ < 0 || m_ >= c->n_cols)                                                                                 \
            return BAD_INDEX;                                                                                          \
        count[m_] = marks_add(&marks, m_) ? 1.0 : count[m_] + 1.0;                                                     \
    } while (0)
        for (int64_t k = start; k < end; k++) {
            const int64_t w = c->ids[k];
            if (w < 0 || w >= c->n_words)
                return BAD_INDEX;
            if (stamp[w] != d) {
                stamp[w] = d;
                slot[w] = nw;
                wd[nw] = d;
                wi[nw] = w;
                wn[nw++] = 1;
            } else {
                wn[slot[w]]++;
            }
            if (c->unigram[w] >= 0)
                MARK(c->unigram[w]);
            int64_t prefix = c->ngram_word[w];
            for (Py_ssize_t level = 0; level < c->n_levels && prefix >= 0 && k + level + 1 < end; level++) {
                const int64_t last = c->ngram_word[c->ids[k + level + 1]];
                if (last < 0)
                    break;
                const Py_ssize_t at = level_find(&c->levels[level], prefix * c->width + last);
                if (at < 0)
                    break;
                const int64_t feature = c->level_features[c->level_ptr[level] + at];
                if (level + 2 >= c->lo && feature >= 0)
                    MARK(feature);
                prefix = at;
            }
        }
#undef MARK
        for (Py_ssize_t m; (m = marks_next(&marks)) >= 0; nb++) {
            bd[nb] = d;
            bc[nb] = m;
            bn[nb] = count[m];
        }
    }
    *n_block = nb;
    return nw;
}

static PyObject *py_count_rows(PyObject *self, PyObject *args)
{
    PyObject *objs[14];
    Py_ssize_t n_cols, lo;
    long long width;
    if (!PyArg_ParseTuple(args, "OOOOOOOOLnnOOOOOO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4], &objs[5],
                          &objs[6], &objs[7], &width, &n_cols, &lo, &objs[8], &objs[9], &objs[10], &objs[11],
                          &objs[12], &objs[13]))
        return NULL;
    Py_buffer b[14];
    const char kinds[14] = {'i', 'i', 'i', 'i', 'i', 'i', 'i', 'i', 'i', 'i', 'i', 'i', 'i', 'f'};
    const Py_ssize_t sizes[14] = {4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};
    const char *names[14] = {"ids", "indptr", "picked", "unigram", "ngram_word", "level_ptr", "level_keys",
                             "level_features", "wd", "wi", "wn", "bd", "bc", "bn"};
    PyObject *result = NULL;
    int64_t *stamp = NULL, *slot = NULL, *slot_space = NULL;
    Level *levels = NULL;
    uint64_t *seen = NULL;
    double *count = NULL;
    if (get_buffers(objs, b, 14, kinds, sizes, names, 0x3f00u) < 0)
        return NULL;
    Counting c = {
        .ids = b[0].buf, .indptr = b[1].buf, .unigram = b[3].buf, .ngram_word = b[4].buf, .level_ptr = b[5].buf,
        .level_keys = b[6].buf, .level_features = b[7].buf, .n_levels = b[5].len / 8 - 1, .n_words = b[3].len / 8,
        .n_cols = n_cols, .lo = lo, .width = width,
    };
    const Py_ssize_t n_texts = b[1].len / 8 - 1, n_picked = b[2].len / 8, capacity = b[8].len / 8;
    const int64_t *picked = b[2].buf;
    Py_ssize_t tokens = 0;
    int bad = n_texts < 0 || c.n_levels < 0 || b[4].len != b[3].len || b[6].len != b[7].len ||
              n_cols < 0 || width < 0 || b[9].len / 8 != capacity || b[10].len / 8 != capacity;
    for (Py_ssize_t d = 0; !bad && d < n_picked; d++) {
        bad = picked[d] < 0 || picked[d] >= n_texts;
        if (!bad)
            tokens += c.indptr[picked[d] + 1] - c.indptr[picked[d]];
    }
    /* a text's block holds at most a column for each of its tokens at each n */
    if (bad || capacity < tokens || b[11].len / 8 < tokens * (c.n_levels + 1) || b[12].len != b[11].len ||
        b[13].len != b[11].len) {
        PyErr_SetString(PyExc_ValueError, "count_rows: array sizes do not agree");
        goto done;
    }
    if (check_indptr(c.indptr, n_texts, b[0].len / 4, "count_rows") < 0 ||
        check_indptr(c.level_ptr, c.n_levels, b[6].len / 8, "count_rows") < 0)
        goto done;
    /* each level's table: a power of two of slots, at least twice its keys */
    levels = calloc((size_t)(c.n_levels ? c.n_levels : 1), sizeof(Level));
    Py_ssize_t slots = 0;
    for (Py_ssize_t level = 0; levels && level < c.n_levels; level++) {
        const Py_ssize_t n = (Py_ssize_t)(c.level_ptr[level + 1] - c.level_ptr[level]);
        levels[level].bits = 1;
        while (((Py_ssize_t)1 << levels[level].bits) < 2 * n)
            levels[level].bits++;
        slots += (Py_ssize_t)1 << levels[level].bits;
    }
    slot_space = malloc(sizeof(int64_t) * (size_t)(slots ? slots : 1));
    if (!levels || !slot_space) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t level = 0, at = 0; level < c.n_levels; level++) {
        levels[level].slot = slot_space + at;
        level_fill(&levels[level], c.level_keys + c.level_ptr[level], (Py_ssize_t)(c.level_ptr[level + 1] - c.level_ptr[level]));
        at += (Py_ssize_t)1 << levels[level].bits;
    }
    c.levels = levels;
    stamp = malloc(sizeof(int64_t) * (size_t)(c.n_words ? c.n_words : 1));
    slot = malloc(sizeof(int64_t) * (size_t)(c.n_words ? c.n_words : 1));
    seen = calloc((size_t)(n_cols / 64 + 1), sizeof(uint64_t));
    count = malloc(sizeof(double) * (size_t)(n_cols ? n_cols : 1));
    if (!stamp || !slot || !seen || !count) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t w = 0; w < c.n_words; w++)
        stamp[w] = -1;
    Py_ssize_t nw, nb = 0;
    Py_BEGIN_ALLOW_THREADS
    nw = count_rows_of(&c, picked, n_picked, stamp, slot, seen, count, b[8].buf, b[9].buf, b[10].buf, b[11].buf,
                       b[12].buf, b[13].buf, &nb);
    Py_END_ALLOW_THREADS
    if (nw == BAD_INDEX)
        PyErr_SetString(PyExc_ValueError, "count_rows: a word number or column is out of range");
    else
        result = Py_BuildValue("nn", nw, nb);
done:
    free(levels);
    free(slot_space);
    free(stamp);
    free(slot);
    free(seen);
    free(count);
    release_buffers(b, 14);
    return result;
}

/* X @ W for a float32 CSR matrix X and a dense float32 W (n_features by k), added to out (rows by k): as scipy's
 * csr_matvecs computes it, each row's products added in the row's order, in single precision. 0 or BAD_INDEX. */
static int matrix_product_of(const float *data, const int32_t *indices, const int64_t *indptr, Py_ssize_t n_rows,
                             Py_ssize_t n_features, Py_ssize_t k, const float *W, float *out)
{
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        float *y = out + r * k;
        for (int64_t j = indptr[r]; j < indptr[r + 1]; j++) {
            if ((uint64_t)(int64_t)indices[j] >= (uint64_t)n_features)
                return BAD_INDEX;
            const float a = data[j], *x = W + (Py_ssize_t)indices[j] * k;
            for (Py_ssize_t i = 0; i < k; i++)
                y[i] += a * x[i];
        }
    }
    return 0;
}

PyDoc_STRVAR(matrix_product_doc,
             "matrix_product(data, indices, indptr, W, out)\n--\n\n"
             "Add X @ W to out for the CSR matrix X (float32 data, int32 indices, int64 indptr) and W (float32, columns\n"
             "by k, k the size of out's rows), with scipy's sums: each row's products in its order, in float32.");

static PyObject *py_matrix_product(PyObject *self, PyObject *args)
{
    Py_buffer b[5];
    const char kinds[5] = {'f', 'i', 'i', 'f', 'f'};
    const Py_ssize_t sizes[5] = {4, 4, 8, 4, 4};
    const char *names[5] = {"data", "indices", "indptr", "W", "out"};
    PyObject *result = NULL;
    if (get_arg_buffers(args, "matrix_product", b, 5, kinds, sizes, names, 1u << 4) < 0)
        return NULL;
    const Py_ssize_t n = b[2].len / 8 - 1;
    const Py_ssize_t k = n > 0 ? b[4].len / 4 / n : 0;
    if (n < 0 || b[0].len != b[1].len || (n > 0 && (k < 1 || b[4].len / 4 != n * k || b[3].len / 4 % k != 0))) {
        PyErr_SetString(PyExc_ValueError, "matrix_product: array sizes do not agree");
        goto done;
    }
    if (check_indptr(b[2].buf, n, b[0].len / 4, "matrix_product") < 0)
        goto done;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = n > 0 ? matrix_product_of(b[0].buf, b[1].buf, b[2].buf, n, b[3].len / 4 / k, k, b[3].buf, b[4].buf) : 0;
    Py_END_ALLOW_THREADS
    if (status == BAD_INDEX)
        PyErr_SetString(PyExc_ValueError, "matrix_product: a column index is out of range");
    else
        result = Py_NewRef(Py_None);
done:
    release_buffers(b, 5);
    return result;
}

/* The rows of training's feature matrix (features.TextFeatures._matrix): each text's word-block entries as they come
 * (sorted, columns below first_sub), then its subword block, the sum of its words' subword vectors weighted by the
 * word's value, by column. The sums are scipy's (csr_matmat): each column's products added in the order of the text's
 * words, from 0; zeros dropped, as scipy's sum of the two blocks drops them; values rounded to float32 at the end.
 * acc (a value per subword column) and seen (a bit per subword column, zeros on entry) are scratch: a text's columns
 * come out of seen in order, with no sort. Returns the number of values written, -1 when they would not fit in
 * capacity, or BAD_INDEX. */
static Py_ssize_t feature_rows_of(Py_ssize_t n_docs, const int64_t *word_ptr, const int64_t *word_cols,
                                  const double *word_vals, const int64_t *sub_ptr, const int64_t *sub_words,
                                  const double *sub_vals, Py_ssize_t n_words, const int64_t *vec_ptr,
                                  const int64_t *vec_cols, const double *vec_vals, Py_ssize_t first_sub,
                                  Py_ssize_t n_cols, double *acc, uint64_t *seen, float *data, int32_t *indices,
                                  int64_t *indptr, Py_ssize_t capacity)
{
    Py_ssize_t at = 0;
    indptr[0] = 0;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        for (int64_t k = word_ptr[d]; k < word_ptr[d + 1]; k++) {
            const int64_t c = word_cols[k];
            if (c < 0 || c >= first_sub || (k > word_ptr[d] && c <= word_cols[k - 1]))
                return BAD_INDEX;
            if (word_vals[k] == 0.0)
                continue;
            if (at >= capacity)
                return -1;
            data[at] = (float)word_vals[k];
            indices[at++] = (int32_t)c;
        }
        Marks marks = marks_of(seen);
        for (int64_t j = sub_ptr[d]; j < sub_ptr[d + 1]; j++) {
            const int64_t w = sub_words[j];
            if (w < 0 || w >= n_words)
                return BAD_INDEX;
            const double v = sub_vals[j];
            for (int64_t kk = vec_ptr[w]; kk < vec_ptr[w + 1]; kk++) {
                const int64_t c = vec_cols[kk] - first_sub;
                if (c < 0 || c >= n_cols - first_sub)
                    return BAD_INDEX;
                if (marks_add(&marks, c))
                    acc[c] = 0.0 + v * vec_vals[kk];
                else
                    acc[c] += v * vec_vals[kk];
            }
        }
        for (Py_ssize_t c; (c = marks_next(&marks)) >= 0;) {
            if (acc[c] == 0.0)
                continue;
            if (at >= capacity)
                return -1;
            data[at] = (float)acc[c];
            indices[at++] = (int32_t)(c + first_sub);
        }
        indptr[d + 1] = at;
    }
    return at;
}

PyDoc_STRVAR(feature_rows_doc,
             "feature_rows(word_ptr, word_cols, word_vals, sub_ptr, sub_words, sub_vals, vec_ptr, vec_cols, vec_vals,\n"
             "             first_sub, n_cols, data, indices, indptr) -> nnz\n--\n\n"
             "The CSR rows of a batch's feature matrix into data (float32), indices (int32) and indptr (int64, a row\n"
             "pointer per text and one more): text d's word block (word_ptr[d]:word_ptr[d + 1] of word_cols and\n"
             "word_vals, columns sorted and below first_sub), then the sum of its words' subword vectors (words\n"
             "sub_words with weights sub_vals; word w's vector is vec_ptr[w]:vec_ptr[w + 1] of vec_cols and vec_vals,\n"
             "columns from first_sub to n_cols) by column, as scipy sums it. Integer arrays int64, values float64.\n"
             "Returns the number of values; a ValueError when data cannot hold them.");

static PyObject *py_feature_rows(PyObject *self, PyObject *args)
{
    PyObject *objs[12];
    Py_ssize_t first_sub, n_cols;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOnnOOO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4], &objs[5], &objs[6],
                          &objs[7], &objs[8], &first_sub, &n_cols, &objs[9], &objs[10], &objs[11]))
        return NULL;
    Py_buffer b[12];
    const char kinds[12] = {'i', 'i', 'f', 'i', 'i', 'f', 'i', 'i', 'f', 'f', 'i', 'i'};
    const Py_ssize_t sizes[12] = {8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 8};
    const char *names[12] = {"word_ptr", "word_cols", "word_vals", "sub_ptr", "sub_words", "sub_vals",
                             "vec_ptr", "vec_cols", "vec_vals", "data", "indices", "indptr"};
    PyObject *result = NULL;
    double *acc = NULL;
    uint64_t *seen = NULL;
    if (get_buffers(objs, b, 12, kinds, sizes, names, 1u << 9 | 1u << 10 | 1u << 11) < 0)
        return NULL;
    const Py_ssize_t n_docs = b[0].len / 8 - 1, n_words = b[6].len / 8 - 1, capacity = b[9].len / 4;
    if (n_docs < 0 || b[3].len / 8 - 1 != n_docs || b[11].len / 8 - 1 != n_docs || n_words < 0 ||
        b[1].len != b[2].len || b[4].len != b[5].len || b[7].len != b[8].len || b[10].len / 4 != capacity ||
        first_sub < 0 || n_cols < first_sub || n_cols > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "feature_rows: array sizes do not agree");
        goto done;
    }
    if (check_indptr(b[0].buf, n_docs, b[1].len / 8, "feature_rows") < 0 ||
        check_indptr(b[3].buf, n_docs, b[4].len / 8, "feature_rows") < 0 ||
        check_indptr(b[6].buf, n_words, b[7].len / 8, "feature_rows") < 0)
        goto done;
    const Py_ssize_t width = n_cols - first_sub;
    acc = malloc(sizeof(double) * (size_t)(width > 0 ? width : 1));
    seen = calloc((size_t)(width / 64 + 1), sizeof(uint64_t));
    if (!acc || !seen) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t nnz;
    Py_BEGIN_ALLOW_THREADS
    nnz = feature_rows_of(n_docs, b[0].buf, b[1].buf, b[2].buf, b[3].buf, b[4].buf, b[5].buf, n_words, b[6].buf,
                          b[7].buf, b[8].buf, first_sub, n_cols, acc, seen, b[9].buf, b[10].buf, b[11].buf, capacity);
    Py_END_ALLOW_THREADS
    if (nnz == BAD_INDEX)
        PyErr_SetString(PyExc_ValueError, "feature_rows: a column or word index is out of range, or a row's word "
                                          "columns are not sorted");
    else if (nnz < 0)
        PyErr_SetString(PyExc_ValueError, "feature_rows: data and indices cannot hold the rows");
    else
        result = PyLong_FromSsize_t(nnz);
done:
    free(acc);
    free(seen);
    release_buffers(b, 12);
    return result;
}

static PyObject *state_width(PyObject *self, PyObject *arg)
{
    const long B = PyLong_AsLong(arg);
    if (B == -1 && PyErr_Occurred())
        return NULL;
    if (B < 1 || B > MAX_BLOCK) {
        PyErr_Format(PyExc_ValueError, "state_width: between 1 and %d topics at a time", MAX_BLOCK);
        return NULL;
    }
    return PyLong_FromLong(WIDTH(B));
}

static PyMethodDef methods[] = {
    {"fit_svm", fit_svm, METH_VARARGS, fit_svm_doc},
    {"state_width", state_width, METH_O,
     "state_width(B) -> places\n--\n\nThe places for topics in each column of fit_svm's state, for a block of B topics."},
    {"leave_one_out_norms", py_leave_one_out_norms, METH_VARARGS, leave_one_out_norms_doc},
    {"row_margins", py_row_margins, METH_VARARGS, row_margins_doc},
    {"matrix_product", py_matrix_product, METH_VARARGS, matrix_product_doc},
    {"feature_rows", py_feature_rows, METH_VARARGS, feature_rows_doc},
    {"presence_counts", py_presence_counts, METH_VARARGS, presence_counts_doc},
    {"number_strings", py_number_strings, METH_VARARGS,
     "number_strings(strings, index, names, out) -> count\n--\n\n"
     "Number each string through index and names as features.number_tokens does, into out (int64); see _solver.c."},
    {"char_gram_numbers", py_char_gram_numbers, METH_VARARGS,
     "char_gram_numbers(words, lo, hi, max_len, index, names, out) -> count\n--\n\n"
     "Number each word's character n-grams through index and names, into out (int64); see _solver.c."},
    {"union_counts", py_union_counts, METH_VARARGS, union_counts_doc},
    {"count_rows", py_count_rows, METH_VARARGS,
     "count_rows(ids, indptr, picked, unigram, ngram_word, level_ptr, level_keys, level_features, width, n_cols, lo,\n"
     "           wd, wi, wn, bd, bc, bn) -> (words, block)\n--\n\n"
     "features.Numbered.count of the texts picked, in one pass (see _solver.c)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_solver", "The compiled training solver of topicslib (see _solver.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__solver(void)
{
    return PyModule_Create(&module);
}
