// The system zlib (Debian's zlib1g-dev), for GZIP-compressed TFRecord files.
#ifndef RNNTRAIN_CZLIB_SHIM_H
#define RNNTRAIN_CZLIB_SHIM_H
#include <zlib.h>
#endif
