/* placeholder */
#include "msc-graph.h"
int main (void) { return 0; }
