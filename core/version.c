/* The library's run-time version. */
#include "vajra/vajra.h"
#include "vajra_config.h"

const char *vajra_version(void) { return VAJRA_VERSION_STRING; }
