/* Vajra — symbol visibility. Everything is built with -fvisibility=hidden; only declarations
 * marked VAJRA_API (the public core API) and VAJRA_PLUGIN_EXPORT (a plugin's entry) are exported. */
#ifndef VAJRA_EXPORT_H
#define VAJRA_EXPORT_H

#if defined(__GNUC__)
#define VAJRA_API __attribute__((visibility("default")))
#define VAJRA_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define VAJRA_API
#define VAJRA_PLUGIN_EXPORT
#endif

#endif /* VAJRA_EXPORT_H */
