/* engine/io/msc-dicom-j2k.c — placeholder until the JPEG 2000 decoder lands. */
#include "msc-dicom.h"
