from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"

    def load_demo_data(self, *, firm, by):
        """Give some of the firm's clients subscriptions (safe to run again).
        Called by practice's demo_data after the clients app has loaded its clients."""
        from subscriptions.demo import load

        load(firm=firm, by=by)
