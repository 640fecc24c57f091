#ifndef RRF_CLIBPQ_SHIM_H
#define RRF_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
