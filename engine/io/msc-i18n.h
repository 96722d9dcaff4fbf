/* engine/io/msc-i18n.h — gettext for the engine; private to the tree. */
#pragma once

#include <glib/gi18n-lib.h>
