// Precompiled for every test, after lifeline_pch.h (see cmake/LifelineHelpers.cmake).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
