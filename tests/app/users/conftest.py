from tests.app.dashboard.conftest import web  # noqa: F401  (a browser's view of the dashboard)
