/* Vajra — umbrella header: include this to get the whole public core API. */
#ifndef VAJRA_VAJRA_H
#define VAJRA_VAJRA_H

#include "vajra/attrs.h"
#include "vajra/collection.h"
#include "vajra/cpu.h"
#include "vajra/embedder.h"
#include "vajra/eval.h"
#include "vajra/filter.h"
#include "vajra/filter_expr.h"
#include "vajra/fusion.h"
#include "vajra/io.h"
#include "vajra/kernel.h"
#include "vajra/lexical.h"
#include "vajra/morphism.h"
#include "vajra/params.h"
#include "vajra/plugin.h"
#include "vajra/registry.h"
#include "vajra/scorer.h"
#include "vajra/sections.h"
#include "vajra/status.h"
#include "vajra/storage.h"
#include "vajra/types.h"
#include "vajra/unfold.h"
#include "vajra/vector.h"

#define VAJRA_VERSION_MAJOR 0
#define VAJRA_VERSION_MINOR 1
#define VAJRA_VERSION_PATCH 0

#ifdef __cplusplus
extern "C" {
#endif
/* The library's version at run time ("0.1.0"). Static string. */
VAJRA_API const char *vajra_version(void);
#ifdef __cplusplus
}
#endif

#endif /* VAJRA_VAJRA_H */
