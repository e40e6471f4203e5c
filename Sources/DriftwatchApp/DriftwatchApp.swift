// Placeholder: replaced as the module lands.
enum DriftwatchAppModule {}
