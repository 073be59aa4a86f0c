import { createRoute } from '@hono/zod-openapi';
import { IdParam, PageQuery, createRouter, errorResponses, jsonResponse, resourceRoutes, z } from '../api/openapi.ts';
import { Channel, ChannelInput, ChannelPatch, Delivery, Subscription, SubscriptionInput, SubscriptionPatch, TestOutcome } from './model.ts';
import { channelTypes, type NotificationsService } from './service.ts';

const Uuid = z.uuid({ message: 'expected a UUID' });

const channelRoutes = resourceRoutes({
  path: '/notification-channels',
  noun: 'notification channel',
  tag: 'NotificationChannels',
  item: Channel,
  input: ChannelInput,
  patch: ChannelPatch,
  query: PageQuery,
});

const subscriptionRoutes = resourceRoutes({
  path: '/subscriptions',
  noun: 'subscription',
  tag: 'Subscriptions',
  item: Subscription,
  input: SubscriptionInput,
  patch: SubscriptionPatch,
  query: PageQuery.extend({ systemId: Uuid.optional(), channelId: Uuid.optional() }),
});

const testChannel = createRoute({
  method: 'post',
  path: '/notification-channels/{id}/test',
  operationId: 'testNotificationChannel',
  tags: ['NotificationChannels'],
  summary: 'Send a test message now and show how the receiver answered (secrets masked)',
  request: { params: IdParam },
  responses: { 200: jsonResponse(TestOutcome, 'What happened: delivered, or the error and the receiver’s answer'), 404: errorResponses[404] },
});

const types = createRoute({
  method: 'get',
  path: '/notification-channel-types',
  operationId: 'listNotificationChannelTypes',
  tags: ['NotificationChannels'],
  summary: 'The kinds of channel Vigil can send to, and which of their config fields are secret',
  responses: {
    200: jsonResponse(z.object({ items: z.array(z.object({ type: z.string(), title: z.string(), secretFields: z.array(z.string()) })) }), 'Every channel type'),
  },
});

const deliveries = createRoute({
  method: 'get',
  path: '/notifications',
  operationId: 'listNotifications',
  tags: ['Notifications'],
  summary: 'The delivery log, newest first: every message, its attempts and how it ended',
  request: {
    query: PageQuery.extend({
      channelId: Uuid.optional(),
      systemId: Uuid.optional(),
      state: z.enum(['pending', 'sending', 'delivered', 'failed', 'suppressed', 'cancelled']).optional(),
    }),
  },
  responses: { 200: jsonResponse(z.object({ items: z.array(Delivery), nextCursor: z.string().nullable() }).openapi('NotificationPage'), 'A page of deliveries'), 400: errorResponses[400] },
});

/** HTTP routes of notifications: channels, subscriptions and the delivery log (issue 19). */
export function notificationRoutes(service: NotificationsService) {
  const router = createRouter();
  router.openapi(types, (c) => c.json({ items: channelTypes() }, 200));
  router.openapi(channelRoutes.list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    return c.json(await service.listChannels({ limit, cursor }), 200);
  });
  router.openapi(channelRoutes.create, async (c) => c.json(await service.createChannel(c.req.valid('json')), 201));
  router.openapi(channelRoutes.get, async (c) => c.json(await service.getChannel(c.req.valid('param').id), 200));
  router.openapi(channelRoutes.patch, async (c) => c.json(await service.updateChannel(c.req.valid('param').id, c.req.valid('json')), 200));
  router.openapi(channelRoutes.remove, async (c) => {
    await service.deleteChannel(c.req.valid('param').id);
    return c.body(null, 204);
  });
  router.openapi(testChannel, async (c) => c.json(await service.testChannel(c.req.valid('param').id), 200));

  router.openapi(subscriptionRoutes.list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await service.listSubscriptions({ limit, cursor }, filter), 200);
  });
  router.openapi(subscriptionRoutes.create, async (c) => c.json(await service.createSubscription(c.req.valid('json')), 201));
  router.openapi(subscriptionRoutes.get, async (c) => c.json(await service.getSubscription(c.req.valid('param').id), 200));
  router.openapi(subscriptionRoutes.patch, async (c) => c.json(await service.updateSubscription(c.req.valid('param').id, c.req.valid('json')), 200));
  router.openapi(subscriptionRoutes.remove, async (c) => {
    await service.deleteSubscription(c.req.valid('param').id);
    return c.body(null, 204);
  });

  router.openapi(deliveries, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await service.listDeliveries({ limit, cursor }, filter), 200);
  });
  return router;
}
