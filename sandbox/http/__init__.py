"""Protocol pieces shared by every area: errors, auth, api-version, routing, paging."""
