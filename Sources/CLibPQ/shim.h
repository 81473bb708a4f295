#ifndef STEVEDORE_CLIBPQ_SHIM_H
#define STEVEDORE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
