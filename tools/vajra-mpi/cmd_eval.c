#include "vmpi.h"
int vmpi_eval(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return CLI_EXIT_FAIL;
}
