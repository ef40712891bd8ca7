/* main.c: placeholder until the gateway lands. */
#include <stdio.h>
int main(void)
{
	puts("bulwark");
	return 0;
}
