/* Per-P run queues (runq + runnext) and the global run queue. */
#ifndef GS_RUNQ_H
#define GS_RUNQ_H

#include <stdbool.h>

#include "runtime2.h"

/* runqput puts gp on pp's local queue; with next, in runnext, kicking the old runnext
 * to the tail. A full queue moves half of itself to the global queue. Owner M only. */
void runqput(struct p *pp, struct g *gp, bool next);

/* runqget takes runnext, else the head of the local queue. Owner M only. */
struct g *runqget(struct p *pp);

/* runqsteal moves half of victim's queue into pp's and returns one G of it, or NULL.
 * With stealnext it may take victim's runnext. Runs on pp's owner M. */
struct g *runqsteal(struct p *pp, struct p *victim, bool stealnext);

/* runqempty: no G in pp's runq or runnext. Racy snapshot; any thread. */
bool runqempty(struct p *pp);

/* globrunqput appends gp to the global queue. Caller holds sched.lock. */
void globrunqput(struct g *gp);

/* globrunqputbatch appends the n Gs linked from head to tail. Caller holds sched.lock. */
void globrunqputbatch(struct g *head, struct g *tail, int n);

/* globrunqget takes a batch for pp: returns one G and moves up to max-1 more (max 0: a
 * fair share) to pp's local queue. Caller holds sched.lock and owns pp; with max != 1,
 * pp's local queue must be empty, so that the batch fits without runqputslow (which takes
 * sched.lock). */
struct g *globrunqget(struct p *pp, int max);

#endif
