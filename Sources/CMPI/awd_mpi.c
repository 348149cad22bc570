#include "awd_mpi.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* Open MPI's handles are pointers to its predefined objects. */
typedef void *mpi_handle;

#define MPI_IN_PLACE ((void *)1)   /* Open MPI's value (mpi.h) */
#define MPI_THREAD_FUNNELED 1      /* MPI_THREAD_SINGLE = 0, then FUNNELED */

static struct {
    int (*init_thread)(int *, char ***, int, int *);
    int (*comm_rank)(mpi_handle, int *);
    int (*comm_size)(mpi_handle, int *);
    int (*allreduce)(const void *, void *, int, mpi_handle, mpi_handle, mpi_handle);
    int (*bcast)(void *, int, mpi_handle, int, mpi_handle);
    int (*gather)(const void *, int, mpi_handle, void *, int, mpi_handle, int, mpi_handle);
    int (*finalize)(void);
    mpi_handle comm_world, type_float, type_double, type_byte, op_sum, op_max;
    int rank, size;
} mpi;

int awd_mpi_launched_size(void) {
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    if (size == NULL) return 0;
    int n = atoi(size);
    return n > 0 ? n : 0;
}

int awd_mpi_init(char *error, size_t capacity) {
    const char *name = getenv("AWDLSTM_LIBMPI");
    if (name == NULL || *name == 0) name = "libmpi.so.40";
    /* RTLD_GLOBAL: Open MPI's own plugins, opened later, resolve libmpi's symbols. */
    void *lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL) {
        snprintf(error, capacity, "launched by mpirun, but Open MPI's library cannot be loaded (%s); "
                 "install libopenmpi3 (Debian) or set AWDLSTM_LIBMPI", dlerror());
        return -1;
    }
    struct { const char *symbol; void **slot; } table[] = {
        {"MPI_Init_thread", (void **)&mpi.init_thread},
        {"MPI_Comm_rank", (void **)&mpi.comm_rank},
        {"MPI_Comm_size", (void **)&mpi.comm_size},
        {"MPI_Allreduce", (void **)&mpi.allreduce},
        {"MPI_Bcast", (void **)&mpi.bcast},
        {"MPI_Gather", (void **)&mpi.gather},
        {"MPI_Finalize", (void **)&mpi.finalize},
        {"ompi_mpi_comm_world", &mpi.comm_world},
        {"ompi_mpi_float", &mpi.type_float},
        {"ompi_mpi_double", &mpi.type_double},
        {"ompi_mpi_byte", &mpi.type_byte},
        {"ompi_mpi_op_sum", &mpi.op_sum},
        {"ompi_mpi_op_max", &mpi.op_max},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        *table[i].slot = dlsym(lib, table[i].symbol);
        if (*table[i].slot == NULL) {
            snprintf(error, capacity, "%s has no symbol %s (Open MPI 4 or 5 is needed)", name, table[i].symbol);
            return -1;
        }
    }
    int provided = 0;
    if (mpi.init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != 0) {
        snprintf(error, capacity, "MPI_Init_thread failed");
        return -1;
    }
    if (provided < MPI_THREAD_FUNNELED) {
        snprintf(error, capacity, "Open MPI does not provide MPI_THREAD_FUNNELED");
        return -1;
    }
    mpi.comm_rank(mpi.comm_world, &mpi.rank);
    mpi.comm_size(mpi.comm_world, &mpi.size);
    return 0;
}

int awd_mpi_rank(void) { return mpi.rank; }
int awd_mpi_size(void) { return mpi.size; }

/* Counts are C ints in MPI; larger buffers go in pieces. */
int awd_mpi_allreduce_sum_float(float *values, size_t count) {
    const size_t piece = INT_MAX / 2;
    for (size_t start = 0; start < count; start += piece) {
        int n = (int)(count - start < piece ? count - start : piece);
        int rc = mpi.allreduce(MPI_IN_PLACE, values + start, n, mpi.type_float, mpi.op_sum, mpi.comm_world);
        if (rc != 0) return rc;
    }
    return 0;
}

int awd_mpi_allreduce_sum_double(double *values, int count) {
    return mpi.allreduce(MPI_IN_PLACE, values, count, mpi.type_double, mpi.op_sum, mpi.comm_world);
}

int awd_mpi_allreduce_max_double(double *values, int count) {
    return mpi.allreduce(MPI_IN_PLACE, values, count, mpi.type_double, mpi.op_max, mpi.comm_world);
}

int awd_mpi_broadcast(void *data, size_t bytes, int root) {
    const size_t piece = INT_MAX / 2;
    for (size_t start = 0; start < bytes; start += piece) {
        int n = (int)(bytes - start < piece ? bytes - start : piece);
        int rc = mpi.bcast((char *)data + start, n, mpi.type_byte, root, mpi.comm_world);
        if (rc != 0) return rc;
    }
    return 0;
}

int awd_mpi_gather_float(const float *values, int count, float *gathered, int root) {
    return mpi.gather(values, count, mpi.type_float, gathered, count, mpi.type_float, root, mpi.comm_world);
}

int awd_mpi_finalize(void) { return mpi.finalize(); }
