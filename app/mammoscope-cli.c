/* app/mammoscope-cli.c — placeholder */
int main (void) { return 0; }
