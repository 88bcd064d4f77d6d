#include "vmpi.h"
int vmpi_add(int argc, char **argv) { (void)argc; (void)argv; return CLI_EXIT_FAIL; }
int vmpi_delete(int argc, char **argv) { (void)argc; (void)argv; return CLI_EXIT_FAIL; }
int vmpi_info(int argc, char **argv) { (void)argc; (void)argv; return CLI_EXIT_FAIL; }
