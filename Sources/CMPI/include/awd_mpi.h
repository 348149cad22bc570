#ifndef AWD_MPI_H
#define AWD_MPI_H

#include <stddef.h>

/* Open MPI loaded at run time (dlopen), only in processes that mpirun started.
 *
 * A single process never touches an MPI library, so the binary builds and runs
 * where Open MPI is not installed. Under mpirun, libmpi.so.40 (Open MPI 4 and
 * 5; AWDLSTM_LIBMPI names another file) is opened and the few functions used
 * are resolved by name, together with the predefined handles: in Open MPI,
 * MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM... are the addresses of global objects
 * (ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_op_sum, see its mpi.h), which
 * dlsym returns as they are. MPICH's handles are integer constants: its ABI is
 * not supported.
 *
 * Every function returns 0 on success; an MPI error aborts the job (Open MPI's
 * default handler, MPI_ERRORS_ARE_FATAL), so that no rank waits on a dead one. */

/* The world size mpirun announced (OMPI_COMM_WORLD_SIZE), or 0 when the
 * process was not started by mpirun. */
int awd_mpi_launched_size(void);

/* Opens the library and calls MPI_Init_thread (MPI_THREAD_FUNNELED: only the
 * main thread calls MPI). On failure returns -1 with a message in `error`. */
int awd_mpi_init(char *error, size_t capacity);

int awd_mpi_rank(void);
int awd_mpi_size(void);

/* In-place sums over all ranks (MPI_Allreduce with MPI_IN_PLACE). */
int awd_mpi_allreduce_sum_float(float *values, size_t count);
int awd_mpi_allreduce_sum_double(double *values, int count);
int awd_mpi_allreduce_max_double(double *values, int count);

/* MPI_Bcast of `bytes` bytes from `root`. */
int awd_mpi_broadcast(void *data, size_t bytes, int root);

/* MPI_Gather of `count` floats from every rank into `gathered` (rank order) at `root`. */
int awd_mpi_gather_float(const float *values, int count, float *gathered, int root);

int awd_mpi_finalize(void);

#endif
